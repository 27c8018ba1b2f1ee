//! What can go wrong talking to the chain, each case carrying the chain's own words and saying
//! what to do next.
//!
//! Failures the chain reports (a rejected `CheckTx`, a failed `DeliverTx`, a failed simulation or
//! ABCI query) come as a codespace, a code and a log line; [`Error::from_chain`] turns them into
//! the matching variant. The log formats are those of Cosmos SDK 0.53 / wasmd 0.61, for instance
//! `account sequence mismatch, expected 3, got 0: incorrect account sequence` or
//! `failed to execute message; message index: 0: <contract error>: execute wasm contract failed`.

use std::time::Duration;

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the chain client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The node did not answer: connection refused, timeout, broken websocket.
    #[error(
        "cannot reach the node at {url}: {reason}. Is it running? For the localnet run \
         `localnet/start.sh` (and `localnet/deploy.sh` if the contracts are not deployed yet)"
    )]
    RpcUnreachable { url: String, reason: String },

    /// The node answered with a JSON-RPC error (a bad request, a missing tx, ...).
    #[error("the node at {url} refused `{method}`: {reason}")]
    Rpc {
        url: String,
        method: String,
        reason: String,
    },

    /// The tx ran out of gas (`DeliverTx`, code 11 of codespace `sdk`).
    #[error(
        "out of gas: the tx was given {gas_wanted} gas and had used {gas_used} when it stopped{}; \
         raise the gas margin (ChainConfig::gas_adjustment) or give a higher gas limit. \
         Chain log: {log}", fmt_hash(.tx_hash)
    )]
    OutOfGas {
        gas_wanted: u64,
        gas_used: u64,
        tx_hash: Option<String>,
        log: String,
    },

    /// The account sequence in the tx is not the one the chain expects (code 32 of `sdk`).
    #[error(
        "account sequence mismatch: the chain expects sequence {expected}, the tx was signed with \
         {got}; another tx from this account got in first. Refetch the account and sign again \
         (a Signer does this once by itself). Chain log: {log}"
    )]
    WrongSequence {
        expected: u64,
        got: u64,
        log: String,
    },

    /// The contract refused the message (or a query); `message` is the contract's own error text.
    #[error("the contract refused it: {message}{}", fmt_hash(.tx_hash))]
    Contract {
        message: String,
        tx_hash: Option<String>,
        height: Option<u64>,
        log: String,
    },

    /// The account cannot pay what the tx moves or its fee.
    #[error(
        "insufficient funds: {message}{}; top up the account or send less",
        fmt_hash(.tx_hash)
    )]
    InsufficientFunds {
        message: String,
        tx_hash: Option<String>,
        log: String,
    },

    /// The fee is below the node's minimum gas price (code 13 of `sdk`).
    #[error(
        "fee too low: {message}; pay at least the node's minimum gas price times the gas limit \
         (the localnet wants 0.025ustake per gas)"
    )]
    InsufficientFee { message: String, log: String },

    /// The tx passed `CheckTx` but no block included it in time.
    #[error(
        "tx {hash} was not included in a block within {timeout:?}{}; it may still be in the \
         mempool or may have been dropped: look it up (`wasmd q tx {hash}`) before sending it again",
        .last_error.as_deref().map(|e| format!(" (last error while polling: {e})")).unwrap_or_default()
    )]
    TxTimeout {
        hash: String,
        timeout: Duration,
        last_error: Option<String>,
    },

    /// Any other failure the chain reported for a tx.
    #[error("the chain rejected the tx{} (codespace {codespace}, code {code}): {log}", fmt_hash(.tx_hash))]
    TxFailed {
        codespace: String,
        code: u32,
        log: String,
        tx_hash: Option<String>,
        height: Option<u64>,
    },

    /// The address has no account on chain: it never received funds.
    #[error(
        "account {address} does not exist on chain yet: it must receive some funds (a bank send) \
         before it can sign"
    )]
    AccountNotFound { address: String },

    /// An ABCI query failed for a reason that is none of the above.
    #[error("query {path} failed (codespace {codespace}, code {code}): {log}")]
    QueryFailed {
        path: String,
        codespace: String,
        code: u32,
        log: String,
    },

    /// The node runs another chain than the configuration names.
    #[error(
        "the node at {url} runs chain {actual:?}, but the configuration says {expected:?}: \
         point the client at the right node or fix the chain id"
    )]
    ChainIdMismatch {
        url: String,
        expected: String,
        actual: String,
    },

    /// The mnemonic is not a valid BIP39 phrase (12 to 24 English words with a checksum).
    #[error("invalid mnemonic: {0} (expected 12, 15, 18, 21 or 24 English BIP39 words)")]
    InvalidMnemonic(String),

    /// Key derivation failed (bad HD path, invalid key).
    #[error("key derivation failed: {0}")]
    Key(String),

    /// An address is not bech32 with the expected prefix.
    #[error("invalid address {address:?}: {reason}")]
    InvalidAddress { address: String, reason: String },

    /// A gas price string such as `0.025ustake` did not parse.
    #[error(
        "invalid gas price {input:?}: {reason} (expected an amount and a denom, e.g. 0.025ustake)"
    )]
    InvalidGasPrice { input: String, reason: String },

    /// A coin or amount did not parse or does not fit.
    #[error("invalid coin {input:?}: {reason}")]
    InvalidCoin { input: String, reason: String },

    /// Something the node returned could not be decoded.
    #[error("could not decode {what}: {reason}")]
    Decode { what: String, reason: String },

    /// A message could not be encoded or signed.
    #[error("could not encode {what}: {reason}")]
    Encode { what: String, reason: String },

    /// The deployment file is missing or malformed.
    #[error("deployment file {path}: {reason}")]
    Deployment { path: String, reason: String },

    /// A bad event query or a subscription that could not be set up.
    #[error("event subscription: {0}")]
    Subscription(String),
}

fn fmt_hash(hash: &Option<String>) -> String {
    hash.as_deref()
        .map(|h| format!(" (tx {h})"))
        .unwrap_or_default()
}

/// Where a failure was reported, so the variant can carry what is known.
#[derive(Clone, Debug, Default)]
pub(crate) struct ChainFailure<'a> {
    pub codespace: &'a str,
    pub code: u32,
    pub log: &'a str,
    pub gas_wanted: Option<u64>,
    pub gas_used: Option<u64>,
    pub tx_hash: Option<String>,
    pub height: Option<u64>,
}

impl Error {
    /// Classifies a failure reported by the chain (`CheckTx`, `DeliverTx`, simulation or query)
    /// from its codespace, code and log.
    pub fn from_chain(codespace: &str, code: u32, log: &str) -> Error {
        Self::classify(ChainFailure {
            codespace,
            code,
            log,
            ..ChainFailure::default()
        })
    }

    pub(crate) fn classify(f: ChainFailure<'_>) -> Error {
        let log = f.log.trim();
        let sdk = f.codespace == "sdk" || f.codespace.is_empty();
        if (sdk && f.code == 32) || log.contains("account sequence mismatch") {
            if let Some((expected, got)) = parse_sequence_mismatch(log) {
                return Error::WrongSequence {
                    expected,
                    got,
                    log: log.to_string(),
                };
            }
        }
        if (sdk && f.code == 11) || log.contains("out of gas") {
            let (wanted, used) = parse_gas(log);
            return Error::OutOfGas {
                gas_wanted: wanted.or(f.gas_wanted).unwrap_or_default(),
                gas_used: used.or(f.gas_used).unwrap_or_default(),
                tx_hash: f.tx_hash,
                log: log.to_string(),
            };
        }
        if let Some(message) = contract_message(log) {
            return Error::Contract {
                message,
                tx_hash: f.tx_hash,
                height: f.height,
                log: log.to_string(),
            };
        }
        if (sdk && f.code == 13) || log.ends_with("insufficient fee") {
            return Error::InsufficientFee {
                message: strip_suffix_reason(log, "insufficient fee"),
                log: log.to_string(),
            };
        }
        if log.contains("insufficient funds") {
            return Error::InsufficientFunds {
                message: strip_suffix_reason(log, "insufficient funds"),
                tx_hash: f.tx_hash,
                log: log.to_string(),
            };
        }
        Error::TxFailed {
            codespace: f.codespace.to_string(),
            code: f.code,
            log: log.to_string(),
            tx_hash: f.tx_hash,
            height: f.height,
        }
    }

    /// The contract's own error text, for [`Error::Contract`].
    pub fn contract_message(&self) -> Option<&str> {
        match self {
            Error::Contract { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The hash of the tx the error is about, when it reached the chain.
    pub fn tx_hash(&self) -> Option<&str> {
        match self {
            Error::OutOfGas { tx_hash, .. }
            | Error::Contract { tx_hash, .. }
            | Error::InsufficientFunds { tx_hash, .. }
            | Error::TxFailed { tx_hash, .. } => tx_hash.as_deref(),
            Error::TxTimeout { hash, .. } => Some(hash),
            _ => None,
        }
    }

    /// Whether the chain itself judged the tx (a result code, at CheckTx or in a block), so a
    /// refused broadcast left nothing in the mempool; an unreachable node or a timeout may have.
    pub fn is_chain_verdict(&self) -> bool {
        matches!(
            self,
            Error::OutOfGas { .. }
                | Error::WrongSequence { .. }
                | Error::Contract { .. }
                | Error::InsufficientFunds { .. }
                | Error::InsufficientFee { .. }
                | Error::TxFailed { .. }
        )
    }

    /// Whether retrying the same call later may succeed (the node was away or slow).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RpcUnreachable { .. } | Error::TxTimeout { .. } | Error::WrongSequence { .. }
        )
    }

    /// Builds the error for a failed call to the node's RPC.
    pub(crate) fn from_rpc(url: &str, method: &str, err: tendermint_rpc::Error) -> Error {
        use tendermint_rpc::error::ErrorDetail;
        let reason = match err.detail() {
            ErrorDetail::Response(_) => {
                return Error::Rpc {
                    url: url.to_string(),
                    method: method.to_string(),
                    reason: rpc_text(&err),
                }
            }
            // flex-error keeps the source's text (e.g. "Connection refused") in its trace.
            ErrorDetail::Http(_) | ErrorDetail::Io(_) => rpc_text(&err),
            ErrorDetail::WebSocket(sub) => sub.message.clone(),
            ErrorDetail::WebSocketTimeout(_)
            | ErrorDetail::Timeout(_)
            | ErrorDetail::HttpRequestFailed(_)
            | ErrorDetail::ChannelSend(_)
            | ErrorDetail::Tungstenite(_)
            | ErrorDetail::Join(_) => rpc_text(&err),
            _ => {
                return Error::Rpc {
                    url: url.to_string(),
                    method: method.to_string(),
                    reason: rpc_text(&err),
                }
            }
        };
        Error::RpcUnreachable {
            url: url.to_string(),
            reason,
        }
    }
}

/// A flex-error report ("HTTP error\n\nCaused by:\n    0: ...\n\nLocation:\n    ...") on one
/// line, without the source location: "HTTP error: error sending request ...: Connection refused".
pub(crate) fn rpc_text(err: &tendermint_rpc::Error) -> String {
    match err.detail() {
        // The node's own JSON-RPC error (message, code, data).
        tendermint_rpc::error::ErrorDetail::Response(sub) => sub.source.to_string(),
        _ => one_line(&err.to_string()),
    }
}

fn one_line(text: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line == "Location:" {
            break;
        }
        if line.is_empty() || line == "Caused by:" {
            continue;
        }
        // Numbered causes: "0: error sending request".
        let line = match line.split_once(": ") {
            Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
            _ => line,
        };
        parts.push(line);
    }
    parts.join(": ")
}

/// `account sequence mismatch, expected 3, got 0: incorrect account sequence` -> (3, 0).
pub(crate) fn parse_sequence_mismatch(log: &str) -> Option<(u64, u64)> {
    let rest = &log[log.find("expected ")? + "expected ".len()..];
    let expected = leading_number(rest)?;
    let rest = &rest[rest.find("got ")? + "got ".len()..];
    let got = leading_number(rest)?;
    Some((expected, got))
}

/// `...; gasWanted: 80000, gasUsed: 117645: out of gas` -> (Some(80000), Some(117645)).
fn parse_gas(log: &str) -> (Option<u64>, Option<u64>) {
    let find = |key: &str| {
        log.find(key)
            .and_then(|i| leading_number(log[i + key.len()..].trim_start()))
    };
    (find("gasWanted:"), find("gasUsed:"))
}

fn leading_number(s: &str) -> Option<u64> {
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// The chain's message without its wrapping: the gRPC-over-ABCI prefix
/// (`rpc error: code = Unknown desc = `), the SDK's `failed to execute message; message index: N: `,
/// a simulation's Go source location and gas (` [.../keeper.go:452] with gas used: '110874'`)
/// and the ABCI query's `: unknown request`.
fn clean(log: &str) -> &str {
    let mut text = log.trim();
    while let Some(rest) = text.strip_prefix("rpc error: ") {
        match rest.find("desc = ") {
            Some(i) => text = &rest[i + "desc = ".len()..],
            None => break,
        }
    }
    if let Some(i) = text.find(" with gas used:") {
        text = &text[..i];
    }
    text = text.strip_suffix(": unknown request").unwrap_or(text);
    if let Some(i) = text.rfind(" [") {
        if text.ends_with(']') {
            text = &text[..i];
        }
    }
    strip_msg_prefix(text.trim_end())
}

/// The SDK prefixes a failing message's error with `failed to execute message; message index: N: `.
fn strip_msg_prefix(log: &str) -> &str {
    const PREFIX: &str = "failed to execute message; message index: ";
    match log.strip_prefix(PREFIX) {
        Some(rest) => match rest.find(": ") {
            Some(i) if rest[..i].chars().all(|c| c.is_ascii_digit()) => &rest[i + 2..],
            _ => rest,
        },
        None => log,
    }
}

/// `spendable balance 0ustake is smaller than 1ustake: insufficient funds` without the reason.
fn strip_suffix_reason(log: &str, reason: &str) -> String {
    let text = clean(log);
    text.strip_suffix(reason)
        .map(|s| s.trim_end_matches([':', ' ']))
        .unwrap_or(text)
        .to_string()
}

/// wasmd's suffixes for a failed contract call; the text before them is the contract's error.
const WASM_FAILURES: [&str; 5] = [
    "execute wasm contract failed",
    "instantiate wasm contract failed",
    "query wasm contract failed",
    "migrate wasm contract failed",
    "wasm contract failed",
];

/// The contract's own text from a wasmd log, when the log is a failed contract call.
fn contract_message(log: &str) -> Option<String> {
    let text = clean(log);
    let suffix = WASM_FAILURES.iter().find(|s| text.ends_with(*s))?;
    let inner = text[..text.len() - suffix.len()].trim_end_matches([':', ' ']);
    Some(inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_verdict_is_a_result_code_not_a_missing_answer() {
        let race = Error::WrongSequence {
            expected: 2,
            got: 1,
            log: "account sequence mismatch".into(),
        };
        assert!(race.is_chain_verdict() && race.is_transient());
        let refused = Error::Contract {
            message: "not an anchorer".into(),
            log: String::new(),
            tx_hash: None,
            height: None,
        };
        assert!(refused.is_chain_verdict());
        let away = Error::RpcUnreachable {
            url: "http://127.0.0.1:26657".into(),
            reason: "connection refused".into(),
        };
        assert!(!away.is_chain_verdict());
        let timeout = Error::TxTimeout {
            hash: "AB".into(),
            timeout: Duration::from_secs(30),
            last_error: None,
        };
        assert!(
            !timeout.is_chain_verdict(),
            "it may still be in the mempool"
        );
    }

    // Real logs, collected from the wasmd v0.61.14 localnet (see the crate's tests/chain.rs).
    const SEQ: &str = "account sequence mismatch, expected 3, got 0: incorrect account sequence";
    const OUT_OF_GAS: &str = "out of gas in location: Loading CosmWasm module: execute; \
        gasWanted: 80000, gasUsed: 117645: out of gas";
    const CONTRACT_DELIVER: &str = "failed to execute message; message index: 0: invalid Umbral \
        public key: 2 bytes (expected a 33-byte compressed secp256k1 point): execute wasm \
        contract failed";
    const CONTRACT_SIMULATE: &str = "failed to execute message; message index: 0: invalid Umbral \
        public key: 2 bytes (expected a 33-byte compressed secp256k1 point): execute wasm \
        contract failed [/root/.cache/twinshare/wasmd-v0.61.14/src/x/wasm/keeper/keeper.go:452] \
        with gas used: '110874'";
    const CONTRACT_GRPC: &str =
        "rpc error: code = Unknown desc = rpc error: code = Unknown desc = \
        failed to execute message; message index: 0: invalid Umbral public key: 2 bytes \
        (expected a 33-byte compressed secp256k1 point): execute wasm contract failed \
        [/root/.cache/twinshare/wasmd-v0.61.14/src/x/wasm/keeper/keeper.go:452] with gas used: \
        '110874': unknown request";
    const CONTRACT_SIMULATE_ABCI: &str = "rpc error: code = Unknown desc = failed to execute \
        message; message index: 0: invalid Umbral public key: 2 bytes (expected a 33-byte \
        compressed secp256k1 point): execute wasm contract failed \
        [/root/.cache/twinshare/wasmd-v0.61.14/src/x/wasm/keeper/keeper.go:452] with gas used: \
        '95658': unknown request";
    const FUNDS: &str = "failed to execute message; message index: 0: spendable balance \
        999999990000ustake is smaller than 100000000000000ustake: insufficient funds";
    const FUNDS_SIMULATE: &str = "rpc error: code = Unknown desc = failed to execute message; \
        message index: 0: spendable balance 999999973500ustake is smaller than \
        1000000000000000ustake: insufficient funds \
        [cosmos/cosmos-sdk@v0.53.6/x/bank/keeper/send.go:298] with gas used: '35643': unknown \
        request";
    const QUERY: &str = "party wasm1uvwf257r33zz43ufev4z52hraya3txxdkxtv5q not found: query wasm \
        contract failed: unknown request";
    const FEE: &str = "insufficient fees; got: 1ustake required: 2500ustake: insufficient fee";
    const UMBRAL: &str = "invalid Umbral public key: 2 bytes (expected a 33-byte compressed \
        secp256k1 point)";

    #[test]
    fn wrong_sequence_is_parsed() {
        match Error::from_chain("sdk", 32, SEQ) {
            Error::WrongSequence { expected, got, .. } => assert_eq!((expected, got), (3, 0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn out_of_gas_reads_wanted_and_used_from_the_log() {
        let e = Error::from_chain("sdk", 11, OUT_OF_GAS);
        match &e {
            Error::OutOfGas {
                gas_wanted,
                gas_used,
                ..
            } => assert_eq!((*gas_wanted, *gas_used), (80_000, 117_645)),
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("gas_adjustment"), "{e}");
    }

    #[test]
    fn contract_errors_keep_the_contracts_text() {
        for (codespace, code, log) in [
            ("wasm", 5, CONTRACT_DELIVER),
            ("wasm", 5, CONTRACT_SIMULATE),
            ("", 2, CONTRACT_GRPC),
            ("wasm", 5, CONTRACT_SIMULATE_ABCI),
        ] {
            let e = Error::from_chain(codespace, code, log);
            assert_eq!(e.contract_message(), Some(UMBRAL), "{log}");
            assert_eq!(e.to_string(), format!("the contract refused it: {UMBRAL}"));
        }
    }

    #[test]
    fn funds_and_fees() {
        match Error::from_chain("sdk", 5, FUNDS) {
            Error::InsufficientFunds { message, .. } => assert_eq!(
                message,
                "spendable balance 999999990000ustake is smaller than 100000000000000ustake"
            ),
            other => panic!("{other:?}"),
        }
        match Error::from_chain("sdk", 5, FUNDS_SIMULATE) {
            Error::InsufficientFunds { message, .. } => assert_eq!(
                message,
                "spendable balance 999999973500ustake is smaller than 1000000000000000ustake"
            ),
            other => panic!("{other:?}"),
        }
        match Error::from_chain("sdk", 13, FEE) {
            Error::InsufficientFee { message, .. } => {
                assert_eq!(
                    message,
                    "insufficient fees; got: 1ustake required: 2500ustake"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refused_queries_keep_the_contracts_text() {
        let e = Error::from_chain("sdk", 6, QUERY);
        assert_eq!(
            e.contract_message(),
            Some("party wasm1uvwf257r33zz43ufev4z52hraya3txxdkxtv5q not found")
        );
    }

    #[test]
    fn rpc_reports_fit_on_one_line() {
        // The shape of tendermint-rpc's (flex-error with eyre) report for a refused connection.
        let report = "HTTP error\n\nCaused by:\n    0: error sending request for url \
            (http://127.0.0.1:1/): error trying to connect: tcp connect error: Connection refused \
            (os error 111)\n\nLocation:\n    /root/.cargo/registry/src/flex-error-0.4.4/src/\
            tracer_impl/eyre.rs:10:9";
        assert_eq!(
            one_line(report),
            "HTTP error: error sending request for url (http://127.0.0.1:1/): error trying to \
             connect: tcp connect error: Connection refused (os error 111)"
        );
    }

    #[test]
    fn anything_else_is_a_plain_failure() {
        let e = Error::from_chain("sdk", 4, "signature verification failed: unauthorized");
        assert!(matches!(e, Error::TxFailed { code: 4, .. }), "{e:?}");
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = Error::RpcUnreachable {
            url: "http://127.0.0.1:26657".into(),
            reason: "Connection refused".into(),
        };
        assert!(e.to_string().contains("localnet/start.sh"));
        let e = Error::TxTimeout {
            hash: "AB".into(),
            timeout: Duration::from_secs(30),
            last_error: None,
        };
        assert!(e.to_string().contains("wasmd q tx AB"));
    }
}
