//! Only tests live here (`tests/artifacts.rs`): they prove that the artifacts in `artifacts/`, as
//! lowered by `scripts/build-wasm.sh`, load and run in the VM that wasmd uses, before any chain
//! exists.
