// Turns a failed check into a slash: when the verification service reports a miner's run failed
// (VerificationService.onRunFailed), the runs of that job (or of the canary's source job) are
// searched for byte-exact evidence; if there is some and the key the receipt was signed with has
// something bonded or unbonding, a slash is queued in the outbox, once per receipt. The harmed
// client is the account that paid for the failed run (for a canary: the verification account).

import type { RunFailure } from '../services/verification.ts';
import type { CoordinatorStore } from '../store/store.ts';
import type { ChainLog } from './chain-service.ts';
import { slashEvidence } from './slash-evidence.ts';

export class Slasher {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly now: () => number,
    private readonly log: ChainLog,
    private readonly queued: () => void,
  ) {}

  async failed({ check, minerId }: RunFailure): Promise<void> {
    const root = check.kind === 'canary' ? (await this.store.getCanary(check.canaryId!))?.sourceJobId : check.subjectJobId;
    if (!root) return;
    const runs = await this.store.receiptsOfRuns(root);
    const failed = check.kind === 'canary' ? (await this.store.receiptsOfRuns(check.checkJobId))[0] : runs.find((run) => run.minerId === minerId);
    if (!failed) return;
    const evidence = slashEvidence(failed, runs);
    const context = { check_id: check.checkId, miner_id: minerId, receipt_id: failed.receiptId };
    if (!evidence) return this.log.info(context, 'failed check without byte-exact evidence (two agreeing runs of other keys): no slash');
    if ((await this.store.slashableMicro(failed.minerKey!)) === 0n) return this.log.info(context, 'failed check: nothing bonded on the miner key, no slash');
    const job = (await this.store.getJob(failed.jobId))!;
    const row = await this.store.queueSlash({ receiptId: failed.receiptId, jobId: failed.jobId, minerId, minerKey: failed.minerKey!, checkId: check.checkId, account: job.account, evidence }, this.now());
    if (!row) return;
    this.log.warn({ ...context, outbox_id: row.outboxId, references: evidence.references.length, harmed_account: job.account }, 'slash queued');
    this.queued();
  }
}
