-- The miner key each receipt was accepted under. A miner may register a new key at any time;
-- its older receipts must still verify (POST /v1/receipts/verify) and settle (a settlement names
-- the key per miner) with the key they were signed with, so the key is kept with the receipt.
-- Receipts accepted before this column existed take the key_id of their miner signature: the
-- coordinator checked that signature against the registered key when it accepted the receipt.
ALTER TABLE receipts ADD COLUMN miner_key TEXT;
UPDATE receipts SET miner_key = (
  SELECT json_extract(signature.value, '$.key_id') FROM json_each(receipts.body, '$.signatures') AS signature
  WHERE json_extract(signature.value, '$.role') = 'miner' LIMIT 1
);
