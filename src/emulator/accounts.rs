//! The emulator's accounts: fixed test credentials, like moto's.

/// API user (key) of the default account, which has payment information.
pub const DEFAULT_USER: &str = "63a25f81-15dd-481e-a4d4-c5ed9a80f93a";
/// Its test password. Not a secret: documented and printed by `serve`.
pub const DEFAULT_PASSWORD: &str = "test-secret-with-payment";
/// API user of the second default account, without payment information.
pub const NOPAY_USER: &str = "0b7e2f4c-58a1-4c39-9a55-2f1d7c6e9b10";
/// Its test password.
pub const NOPAY_PASSWORD: &str = "test-secret-without-payment";
