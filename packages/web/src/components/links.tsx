// Links into the explorer, so every height, hash, address and receipt id on any page leads to its page.
import { href } from '../router.ts';
import { short } from '../format.ts';

export const BlockLink = ({ height }: { height: number | null | undefined }) =>
  height === null || height === undefined ? <span>—</span> : <a href={href('block', height)}>#{height}</a>;

export const TxLink = ({ hash, full }: { hash: string | null | undefined; full?: boolean }) =>
  !hash ? <span>—</span> : <a href={href('tx', hash)} class="mono" title={hash}>{full ? hash : short(hash)}</a>;

export const AccountLink = ({ address, full }: { address: string | null | undefined; full?: boolean }) =>
  !address ? <span>—</span> : <a href={href('account', address)} class="mono" title={address}>{full ? address : short(address, 14)}</a>;

export const ReceiptLink = ({ id }: { id: string | null | undefined }) =>
  !id ? <span>—</span> : <a href={href('receipt', id)} class="mono" title={id}>{short(id, 14)}</a>;
