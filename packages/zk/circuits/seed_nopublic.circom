pragma circom 2.0.0;

// The seed's receipt_simple design, reduced to its flaw: no public inputs, so a proof says
// nothing about which receipt it is for. Tests use it to show our verifiers refuse such proofs.
template SeedNoPublic() {
    signal input a;
    signal input b;
    signal product <== a * b;
    product === 42;
}

component main = SeedNoPublic();
