pragma circom 2.0.0;

// receipt_simple: knowledge of a whole AITBC receipt (docs/RECEIPTS.md) whose Poseidon commitment and
// public facts are the public inputs. The field encoding is packages/protocol/src/zk-receipt.ts:
// strings are the first 31 bytes of SHA-256(UTF-8), amounts are µAIT, times are epoch ms.
// Public signals, in this order: commitment, job_id, provider, price, units.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

template ReceiptSimple() {
    // Public: declared first and in this order, which is the order of the public signals.
    signal input commitment;
    signal input job_id;
    signal input provider;
    signal input price;
    signal input units;

    // Private: the rest of the receipt.
    signal input version;
    signal input receipt_id;
    signal input chain_id;
    signal input client;
    signal input miner_id;
    signal input model;
    signal input unit_type;
    signal input unit_price;
    signal input prompt_hash;
    signal input output_hash;
    signal input started_at;
    signal input completed_at;
    signal input nonce;

    // Amounts and times are 64-bit, so no value wraps around the field.
    component bits[5];
    var ranged[5] = [units, unit_price, price, started_at, completed_at];
    for (var i = 0; i < 5; i++) {
        bits[i] = Num2Bits(64);
        bits[i].in <== ranged[i];
    }

    // price <= units * unit_price (docs/RECEIPTS.md: price = min(max_price, units × unit_price)).
    signal uncapped <== units * unit_price;
    component capped = LessEqThan(128);
    capped.in[0] <== price;
    capped.in[1] <== uncapped;
    capped.out === 1;

    component ordered = LessEqThan(64);
    ordered.in[0] <== started_at;
    ordered.in[1] <== completed_at;
    ordered.out === 1;

    // Commitment over the 17 fields in docs/RECEIPTS.md order, in two halves (Poseidon takes ≤ 16).
    component first = Poseidon(9);
    first.inputs[0] <== version;
    first.inputs[1] <== receipt_id;
    first.inputs[2] <== chain_id;
    first.inputs[3] <== job_id;
    first.inputs[4] <== client;
    first.inputs[5] <== provider;
    first.inputs[6] <== miner_id;
    first.inputs[7] <== model;
    first.inputs[8] <== units;
    component second = Poseidon(8);
    second.inputs[0] <== unit_type;
    second.inputs[1] <== unit_price;
    second.inputs[2] <== price;
    second.inputs[3] <== prompt_hash;
    second.inputs[4] <== output_hash;
    second.inputs[5] <== started_at;
    second.inputs[6] <== completed_at;
    second.inputs[7] <== nonce;
    component whole = Poseidon(2);
    whole.inputs[0] <== first.out;
    whole.inputs[1] <== second.out;
    whole.out === commitment;
}

component main {public [commitment, job_id, provider, price, units]} = ReceiptSimple();
