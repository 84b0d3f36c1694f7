// Reads server-sent events (the streaming format of OpenAI-compatible servers) from text lines:
// `data:` fields accumulate until a blank line ends the event; comments and other fields are skipped.

export async function* readSseData(lines: AsyncIterable<string>): AsyncGenerator<string> {
  let data: string[] = [];
  for await (const line of lines) {
    if (line === '') {
      if (data.length > 0) yield data.join('\n');
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue; // a comment, often a keep-alive ping
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') continue;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    data.push(value.startsWith(' ') ? value.slice(1) : value);
  }
  // Lenient with servers that close the stream without a final blank line.
  if (data.length > 0) yield data.join('\n');
}
