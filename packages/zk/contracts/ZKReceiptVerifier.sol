// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import {Groth16Verifier} from "./Groth16Verifier.sol";

/// An AITBC receipt proof checked on an EVM chain. The registrar (a bridge or the coordinator)
/// registers each settled receipt's Poseidon commitment under its receipt id; a proof then passes
/// only if its first public input is that commitment, so a proof for another receipt, or with any
/// public input changed, fails. The other public inputs (job id, provider, price in µAIT, units)
/// are bound to the commitment inside the circuit.
contract ZKReceiptVerifier {
    Groth16Verifier public immutable verifier;
    address public immutable registrar;
    mapping(bytes32 => uint256) public commitments;
    mapping(bytes32 => bool) public proven;

    event ReceiptRegistered(bytes32 indexed receiptId, uint256 commitment);
    event ReceiptProven(bytes32 indexed receiptId, uint256 jobId, uint256 provider, uint256 price, uint256 units);

    constructor(Groth16Verifier verifier_) {
        verifier = verifier_;
        registrar = msg.sender;
    }

    function register(bytes32 receiptId, uint256 commitment) external {
        require(msg.sender == registrar, "only the registrar");
        require(commitment != 0, "empty commitment");
        require(commitments[receiptId] == 0, "already registered");
        commitments[receiptId] = commitment;
        emit ReceiptRegistered(receiptId, commitment);
    }

    /// Public signals: [commitment, job_id, provider, price, units] as the circuit orders them.
    function verifyReceipt(bytes32 receiptId, uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[5] calldata signals) public view returns (bool) {
        uint256 commitment = commitments[receiptId];
        if (commitment == 0 || signals[0] != commitment) return false;
        return verifier.verifyProof(a, b, c, signals);
    }

    /// Records the receipt as proven, once, and announces its public facts.
    function anchor(bytes32 receiptId, uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[5] calldata signals) external {
        require(!proven[receiptId], "already proven");
        require(verifyReceipt(receiptId, a, b, c, signals), "invalid proof");
        proven[receiptId] = true;
        emit ReceiptProven(receiptId, signals[1], signals[2], signals[3], signals[4]);
    }
}
