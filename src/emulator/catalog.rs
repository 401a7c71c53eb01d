//! The catalog: providers, their regions, and the resources a region offers.
//!
//! It is data (`catalog.json` beside this file, or a file given to `serve
//! --catalog`), so new providers need no code. A resource URI names one entry:
//! `{type}/{provider}/{region}/{resourceId}`.

use std::path::Path;

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const DEFAULT_CATALOG: &str = include_str!("catalog.json");

/// The resource types the API knows.
pub const RESOURCE_TYPES: [&str; 3] = ["kp", "vm", "image"];

/// Every provider the emulator serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    #[serde(default = "one")]
    pub version: u32,
    pub providers: Vec<Provider>,
}

fn one() -> u32 {
    1
}

/// A cloud provider reached through one connector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provider {
    pub name: String,
    pub connector: String,
    pub regions: Vec<Region>,
}

/// A region and the resources it offers, by type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Region {
    pub name: String,
    pub zone: String,
    pub resources: Resources,
}

/// The resources of a region, one list per type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Resources {
    #[serde(default)]
    pub kp: Vec<Resource>,
    #[serde(default)]
    pub vm: Vec<Resource>,
    #[serde(default)]
    pub image: Vec<Image>,
}

/// A size or flavour: what `{type}/{provider}/{region}/{id}` points at.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    pub provider_resource_id: String,
    /// Values copied, as strings, into the parameters of what is created.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// A public image a vm can boot from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// A resource URI split into its four parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceUri<'a> {
    pub kind: &'a str,
    pub provider: &'a str,
    pub region: &'a str,
    pub id: &'a str,
}

impl<'a> ResourceUri<'a> {
    /// Splits `type/provider/region/id`; `None` unless there are exactly four
    /// plain parts.
    pub fn parse(uri: &'a str) -> Option<Self> {
        let mut parts = uri.split('/');
        let uri = ResourceUri {
            kind: parts.next()?,
            provider: parts.next()?,
            region: parts.next()?,
            id: parts.next()?,
        };
        let plain = [uri.kind, uri.provider, uri.region, uri.id]
            .iter()
            .all(|part| is_plain_segment(part));
        (parts.next().is_none() && plain).then_some(uri)
    }
}

/// A path segment made only of the characters ids and names use.
pub fn is_plain_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment.len() <= 128
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl Catalog {
    /// The catalog built into the binary.
    pub fn builtin() -> Self {
        serde_json::from_str(DEFAULT_CATALOG).expect("the built-in catalog is valid JSON")
    }

    /// Reads a catalog file in the built-in one's format.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading catalog file {}", path.display()))?;
        let catalog: Catalog = serde_json::from_str(&text)
            .with_context(|| format!("parsing catalog file {}", path.display()))?;
        if catalog.providers.is_empty() {
            bail!("catalog file {} has no providers", path.display());
        }
        Ok(catalog)
    }

    /// The provider and region named, if the catalog has them.
    pub fn region(&self, provider: &str, region: &str) -> Option<(&Provider, &Region)> {
        let provider = self.providers.iter().find(|p| p.name == provider)?;
        let region = provider.regions.iter().find(|r| r.name == region)?;
        Some((provider, region))
    }

    /// The kp or vm resource a URI names.
    pub fn resource(&self, uri: &ResourceUri) -> Option<(&Provider, &Region, &Resource)> {
        let (provider, region) = self.region(uri.provider, uri.region)?;
        let list = match uri.kind {
            "kp" => &region.resources.kp,
            "vm" => &region.resources.vm,
            _ => return None,
        };
        let resource = list.iter().find(|r| r.id == uri.id)?;
        Some((provider, region, resource))
    }

    /// Whether a public image with this URI exists.
    pub fn has_image(&self, uri: &ResourceUri) -> bool {
        uri.kind == "image"
            && self
                .region(uri.provider, uri.region)
                .is_some_and(|(_, r)| r.resources.image.iter().any(|i| i.id == uri.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_the_transcript_resources() {
        let catalog = Catalog::builtin();
        let uri = ResourceUri::parse("vm/hpcloud/nova/standard.small").unwrap();
        let (provider, region, vm) = catalog.resource(&uri).unwrap();
        assert_eq!(provider.connector, "openStack.compute");
        assert_eq!(region.zone, "nova");
        assert_eq!(vm.provider_resource_id, "Standard.small");
        let keys: Vec<_> = vm.parameters.keys().cloned().collect();
        assert_eq!(
            keys,
            ["cpuCount", "cpuSpeed", "localStorage", "ram", "username"]
        );
        let image = ResourceUri::parse("image/hpcloud/nova/ami-00000075").unwrap();
        assert!(catalog.has_image(&image));
    }

    #[test]
    fn resource_uris_with_odd_parts_are_refused() {
        for bad in [
            "vm/hpcloud/nova",
            "vm/hpcloud/nova/a/b",
            "vm/../nova/x",
            "vm/hpcloud//x",
            "vm/hp cloud/nova/x",
            "vm/hpcloud/nova/%2F",
        ] {
            assert!(ResourceUri::parse(bad).is_none(), "{bad}");
        }
    }
}
