// The coordinator's version, as published by /v1/health and /v1/coordinator.
export const VERSION = '0.1.0';
