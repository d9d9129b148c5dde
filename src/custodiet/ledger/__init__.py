"""The tamper-evident ledger: every event appended to an RFC 6962 Merkle log, in the same
transaction as the event, with signed checkpoints an outside party can verify."""
