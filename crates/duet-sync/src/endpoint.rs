//! Building the device's iroh endpoint from its network settings.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use iroh::endpoint::{PortmapperConfig, presets};
use iroh::{Endpoint, NetReportConfig, RelayMode, RelayUrl, SecretKey};

use crate::access::MemberGate;
use crate::{PAIR_ALPN, SYNC_ALPN, SyncError};

/// Which relays the endpoint may use when a direct path cannot be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayChoice {
    /// n0's public relays and DNS address lookup: works across NATs on the real internet.
    Default,
    /// No relays, no DNS lookup: only direct addresses (local networks, tests).
    Disabled,
    /// A relay of your own.
    Custom(RelayUrl),
}

impl std::str::FromStr for RelayChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "default" => Ok(Self::Default),
            "disabled" => Ok(Self::Disabled),
            url => url
                .parse::<RelayUrl>()
                .map(Self::Custom)
                .map_err(|_| format!("'{url}' is not default, disabled or a relay URL")),
        }
    }
}

impl std::fmt::Display for RelayChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Disabled => f.write_str("disabled"),
            Self::Custom(url) => write!(f, "{url}"),
        }
    }
}

/// The network settings of a device.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Relays.
    pub relay: RelayChoice,
    /// The address to listen on (all interfaces by default).
    pub listen: IpAddr,
    /// A fixed UDP port, so addresses stay the same across restarts; 0 picks one.
    pub port: u16,
    /// Find devices on the local network by mDNS.
    pub local_discovery: bool,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            relay: RelayChoice::Default,
            listen: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 0,
            local_discovery: true,
        }
    }
}

impl NetConfig {
    /// Loopback only, with no relays and no discovery: for tests, which must not reach the
    /// internet or see other devices.
    pub fn loopback() -> Self {
        Self {
            relay: RelayChoice::Disabled,
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            local_discovery: false,
        }
    }
}

/// Binds the endpoint: duet's ALPNs, the member gate, and the chosen relays and discovery.
pub async fn build(
    secret: SecretKey,
    config: &NetConfig,
    gate: MemberGate,
) -> Result<Endpoint, SyncError> {
    let mut builder = match &config.relay {
        RelayChoice::Default => Endpoint::builder(presets::N0),
        RelayChoice::Disabled => Endpoint::builder(presets::Minimal)
            .relay_mode(RelayMode::Disabled)
            .portmapper_config(PortmapperConfig::Disabled)
            .net_report_config(NetReportConfig::minimal()),
        RelayChoice::Custom(url) => {
            Endpoint::builder(presets::N0).relay_mode(RelayMode::custom([url.clone()]))
        }
    };
    builder = builder
        .secret_key(secret)
        .alpns(vec![PAIR_ALPN.to_vec(), SYNC_ALPN.to_vec()])
        .hooks(gate)
        .clear_ip_transports()
        .bind_addr(SocketAddr::new(config.listen, config.port))
        .map_err(|e| SyncError::Bind(e.to_string()))?;
    if config.local_discovery {
        builder = builder.address_lookup(iroh_mdns_address_lookup::MdnsAddressLookup::builder());
    }
    builder
        .bind()
        .await
        .map_err(|e| SyncError::Bind(e.to_string()))
}
