//! Reaching the daemon: the home, the runtime and a connected client.

use anyhow::Context;
use duet_proto::{Client, ClientError, Home, Request, Response};

/// A current-thread runtime: the CLI makes a handful of sequential requests.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Connects to the daemon serving `home`, with a hint when there is no journal there at all.
pub(crate) async fn connect(home: &Home) -> anyhow::Result<Client> {
    let socket = home.socket()?;
    match Client::connect(&socket, concat!("duet ", env!("CARGO_PKG_VERSION"))).await {
        Ok(c) => Ok(c),
        Err(ClientError::NotRunning) if !home.is_initialised() => anyhow::bail!(
            "no journal in {}: create one with `duet init --name NAME`",
            home.root().display()
        ),
        Err(ClientError::NotRunning) => anyhow::bail!(
            "duetd is not running for {}: start it with `duet daemon start`",
            home.root().display()
        ),
        Err(e) => Err(e.into()),
    }
}

/// Sends one request on a fresh connection.
pub(crate) async fn call(home: &Home, request: Request) -> anyhow::Result<Response> {
    let mut client = connect(home).await?;
    Ok(client.call(&request).await?)
}
