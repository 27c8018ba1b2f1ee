//! The localnet's dev accounts (`localnet/dev-accounts.json`), built into the binary so `demo`
//! and `keys import-dev` work from anywhere. DEV ONLY: their mnemonics are public.

use serde::Deserialize;

use crate::error::{Error, Result};

/// The file as committed in the repository.
pub const DEV_ACCOUNTS_JSON: &str = include_str!("../../../localnet/dev-accounts.json");

/// One dev account.
#[derive(Clone, Debug, Deserialize)]
pub struct DevAccount {
    pub name: String,
    pub address: String,
    pub mnemonic: String,
}

#[derive(Deserialize)]
struct DevAccountsFile {
    accounts: Vec<DevAccount>,
}

/// The accounts of a dev-accounts file (the validators are left out).
pub fn parse(text: &str) -> Result<Vec<DevAccount>> {
    let file: DevAccountsFile = serde_json::from_str(text)
        .map_err(|e| Error::Usage(format!("not a dev-accounts file: {e}")))?;
    Ok(file.accounts)
}

/// The built-in dev accounts.
pub fn builtin() -> Result<Vec<DevAccount>> {
    parse(DEV_ACCOUNTS_JSON)
}

/// One built-in dev account by name.
pub fn builtin_account(name: &str) -> Result<DevAccount> {
    builtin()?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::Usage(format!("no dev account named {name:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_actors_are_there() {
        let accounts = builtin().expect("dev accounts");
        for name in [
            "admin",
            "alice",
            "bob",
            "mallory",
            "provider",
            "relayer",
            "arbiter",
            "fee-collector",
        ] {
            let a = builtin_account(name).expect(name);
            assert!(a.address.starts_with("wasm1"), "{name}");
        }
        assert!(accounts.iter().all(|a| !a.name.starts_with("validator")));
    }
}
