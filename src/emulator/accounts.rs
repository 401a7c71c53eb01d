//! The emulator's accounts: fixed test credentials, like moto's.
//!
//! Two accounts always exist: one with payment information and one without
//! (whose creates answer 403). `serve --accounts FILE` adds more. These are
//! test credentials, documented and printed by `serve`; they guard nothing.

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

/// API user (key) of the default account, which has payment information.
pub const DEFAULT_USER: &str = "63a25f81-15dd-481e-a4d4-c5ed9a80f93a";
/// Its test password. Not a secret: documented and printed by `serve`.
pub const DEFAULT_PASSWORD: &str = "test-secret-with-payment";
/// API user of the second default account, without payment information.
pub const NOPAY_USER: &str = "0b7e2f4c-58a1-4c39-9a55-2f1d7c6e9b10";
/// Its test password.
pub const NOPAY_PASSWORD: &str = "test-secret-without-payment";
/// User of the control API under `/_emulator/`.
pub const ADMIN_USER: &str = "admin";
/// Its test password.
pub const ADMIN_PASSWORD: &str = "test-secret-admin";

/// One account of the emulator.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub user: String,
    pub password: String,
    /// The `ownerId` of everything the account creates.
    pub owner_id: String,
    #[serde(default = "yes")]
    pub has_payment: bool,
    #[serde(default)]
    pub is_admin: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct AccountsFile {
    accounts: Vec<Account>,
}

/// The accounts the emulator accepts.
#[derive(Debug, Clone)]
pub struct Accounts {
    list: Vec<Account>,
}

impl Accounts {
    /// The default accounts.
    pub fn builtin() -> Self {
        let account = |user: &str, password: &str, owner: &str, pay: bool, admin: bool| Account {
            user: user.to_owned(),
            password: password.to_owned(),
            owner_id: owner.to_owned(),
            has_payment: pay,
            is_admin: admin,
        };
        Accounts {
            list: vec![
                account(
                    DEFAULT_USER,
                    DEFAULT_PASSWORD,
                    "d00f16e6-7503-4838-a658-8b60594ff285",
                    true,
                    false,
                ),
                account(
                    NOPAY_USER,
                    NOPAY_PASSWORD,
                    "5a0c7d2e-3b41-4f6a-8e9d-1c2b3a4d5e6f",
                    false,
                    false,
                ),
                account(ADMIN_USER, ADMIN_PASSWORD, "admin", true, true),
            ],
        }
    }

    /// The default accounts plus those of a JSON file
    /// (`{"accounts": [{"user", "password", "ownerId", "hasPayment"?, "isAdmin"?}]}`).
    pub fn with_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading accounts file {}", path.display()))?;
        let file: AccountsFile = serde_json::from_str(&text)
            .with_context(|| format!("parsing accounts file {}", path.display()))?;
        let mut accounts = Self::builtin();
        for account in file.accounts {
            accounts.list.retain(|a| a.user != account.user);
            accounts.list.push(account);
        }
        Ok(accounts)
    }

    /// Every account, the default ones first.
    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.list.iter()
    }

    /// The account these credentials open, if any. Both parts are compared
    /// whole, and a failure does not say which part was wrong.
    pub fn authenticate(&self, user: &str, password: &str) -> Option<&Account> {
        self.list.iter().find(|a| {
            a.user == user && constant_time_eq(a.password.as_bytes(), password.as_bytes())
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_credentials_open_an_account() {
        let accounts = Accounts::builtin();
        assert!(accounts
            .authenticate(DEFAULT_USER, DEFAULT_PASSWORD)
            .is_some());
        assert!(accounts
            .authenticate(DEFAULT_USER, NOPAY_PASSWORD)
            .is_none());
        assert!(accounts.authenticate(DEFAULT_USER, "").is_none());
        assert!(accounts.authenticate("nobody", DEFAULT_PASSWORD).is_none());
        let nopay = accounts.authenticate(NOPAY_USER, NOPAY_PASSWORD).unwrap();
        assert!(!nopay.has_payment);
    }
}
