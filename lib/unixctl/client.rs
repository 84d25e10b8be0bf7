//! The unixctl client: one command, one reply (OVS's `unixctl_client_*`).

use std::path::Path;

use log::warn;

use crate::error::{Error, Result};
use crate::json::Json;
use crate::jsonrpc::{Jsonrpc, Msg};
use crate::stream::{abs_file_name, rundir, Stream};

/// A connection to a unixctl server (OVS uses a bare `struct jsonrpc`).
#[derive(Debug)]
pub struct UnixctlClient {
    rpc: Jsonrpc,
}

impl UnixctlClient {
    /// Connects to the unixctl socket at `path`, relative to the run
    /// directory (`OVS_RUNDIR`, else `/var/run/openvswitch`) unless
    /// absolute, waiting until connected (OVS's `unixctl_client_create`).
    ///
    /// Errors: the connection's, after logging `failed to connect to PATH`.
    pub fn create(path: &str) -> Result<UnixctlClient> {
        let abs = abs_file_name(&rundir(), path);
        Self::connect(&abs, path)
    }

    /// As [`create`](Self::create), with an absolute or current-directory
    /// relative path.
    pub fn create_at(path: &Path) -> Result<UnixctlClient> {
        Self::connect(path, &path.display().to_string())
    }

    fn connect(abs: &Path, shown: &str) -> Result<UnixctlClient> {
        let name = format!("unix:{}", abs.display());
        match Stream::open_block(Stream::open(&name, 0), -1) {
            Ok(stream) => Ok(UnixctlClient {
                rpc: Jsonrpc::open(stream),
            }),
            Err(e) => {
                warn!("failed to connect to {shown}");
                Err(Error::from(e))
            }
        }
    }

    /// Wraps a connection opened some other way.
    pub fn from_jsonrpc(rpc: Jsonrpc) -> UnixctlClient {
        UnixctlClient { rpc }
    }

    /// The JSON-RPC connection underneath.
    pub fn into_jsonrpc(self) -> Jsonrpc {
        self.rpc
    }

    /// Runs `command` with `args` on the server and waits for the answer
    /// (OVS's `unixctl_client_transact`): `Ok(Ok(text))` for a successful
    /// reply, `Ok(Err(text))` for an error reply (what `ovs-appctl` prints
    /// on stderr).
    ///
    /// Errors: the connection's (logged as `error communicating with
    /// NAME: ...`), or `EINVAL` for a reply whose result or error is not a
    /// string.
    pub fn transact<S: AsRef<str>>(
        &mut self,
        command: &str,
        args: &[S],
    ) -> Result<std::result::Result<String, String>> {
        let params = Json::array(args.iter().map(|a| Json::from(a.as_ref())).collect());
        let request = Msg::create_request(command, params);
        let reply = match self.rpc.transact_block(request) {
            Ok(reply) => reply,
            Err(e) => {
                warn!("error communicating with {}: {}", self.rpc.get_name(), e);
                return Err(e);
            }
        };
        let (value, what, ok) = match (reply.error, reply.result) {
            (Some(error), _) => (error, "error", false),
            (None, Some(result)) => (result, "result", true),
            (None, None) => return Ok(Ok(String::new())),
        };
        match value.as_str() {
            Some(text) if ok => Ok(Ok(text.to_string())),
            Some(text) => Ok(Err(text.to_string())),
            None => {
                warn!(
                    "{}: unexpected {} type in JSON RPC reply: {}",
                    self.rpc.get_name(),
                    what,
                    value.json_type().as_str()
                );
                Err(Error::EINVAL)
            }
        }
    }
}
