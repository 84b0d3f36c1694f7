// A node:test reporter that writes only the counts of passed and failed tests (suites not
// counted) as one JSON line: run-tests.mjs adds up its two passes with it.
export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `${JSON.stringify({ passed, failed })}\n`;
}
