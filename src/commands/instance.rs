//! Instance commands: `createi`, `geti`, `getir`, `listi`, `deletei`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::Value;

use super::context::Context;
use super::lost;
use super::{answer_id, finish_or_wait};
use crate::cli::WaitArgs;
use crate::client::Call;
use crate::error::BadInput;
use crate::params;
use crate::state::IdKind;

/// `createi FILE`: creates an instance from a resource. The answer is the
/// create request; its id becomes current. The new instance's id becomes
/// current only with `getr`, as in the original (or as `--wait` learns it).
/// A lost answer says so, with the command that retries it safely.
pub(crate) async fn create(
    ctx: &Context,
    file: &str,
    wait: &WaitArgs,
    key: Option<String>,
) -> anyhow::Result<()> {
    let params = params::read_create(file)?;
    let key = lost::pick_key(key)?;

    let call = Call::create(&params.resource_uri, params.body, &key);
    let answer = ctx
        .exchange("createi (create instance from resource)", &call)
        .await
        .with_context(|| format!("creating an instance of {}", params.resource_uri))
        .map_err(|err| lost::explain(err, &key))?;

    let request_id = answer.as_ref().and_then(|a| answer_id(a, "requestId"));
    let ids = request_id.map(|id| (IdKind::Request, id));
    finish_or_wait(ctx, answer.as_ref(), ids.as_slice(), wait, None).await
}

/// `geti [ID] [--save-key FILE]`: the instance as last stored. Changes no
/// current id. Saves a key pair's private key to a new owner-only file.
pub(crate) async fn get(
    ctx: &Context,
    given: Option<String>,
    save_key: Option<PathBuf>,
) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Instance, given)?;
    if let Some(path) = &save_key {
        check_new_file(path)?;
    }

    let answer = ctx
        .exchange("geti (retrieve instance)", &Call::get_instance(&id))
        .await
        .with_context(|| format!("getting instance {id}"))?;

    if let Some(path) = &save_key {
        save_private_key(answer.as_ref(), &id, path)?;
    }
    ctx.finish(answer.as_ref(), &[])
}

/// Refuses to overwrite: the key file must be new.
fn check_new_file(path: &Path) -> Result<(), BadInput> {
    match path.symlink_metadata() {
        Ok(_) => Err(BadInput::new(format!(
            "key file {} already exists: remove it or choose another name",
            path.display()
        ))),
        Err(_) => Ok(()),
    }
}

/// Writes the instance's `attributes.privateKey` to a new 0600 file.
fn save_private_key(instance: Option<&Value>, id: &str, path: &Path) -> anyhow::Result<()> {
    let key = instance
        .and_then(|i| i.get("attributes")?.get("privateKey")?.as_str())
        .ok_or_else(|| {
            BadInput::new(format!(
                "instance {id} has no private key (is it a key pair?)"
            ))
        })?;
    write_new_private(path, key).with_context(|| format!("writing key file {}", path.display()))
}

fn write_new_private(path: &Path, key: &str) -> std::io::Result<()> {
    use std::io::Write as _;

    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(key.as_bytes())?;
    if !key.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    file.sync_all()
}

/// `getir [ID]`: starts a refresh request; its id becomes current.
pub(crate) async fn refresh(
    ctx: &Context,
    given: Option<String>,
    wait: &WaitArgs,
) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Instance, given)?;

    let call = Call::refresh_instance(&id);
    let answer = ctx
        .exchange("getir (retrieve instance (with refresh))", &call)
        .await
        .with_context(|| format!("refreshing instance {id}"))?;

    let request_id = answer.as_ref().and_then(|a| answer_id(a, "requestId"));
    let ids = request_id.map(|id| (IdKind::Request, id));
    finish_or_wait(ctx, answer.as_ref(), ids.as_slice(), wait, None).await
}

/// `listi [--all]`: the account's instances. Changes no current id.
pub(crate) async fn list(ctx: &Context, all: bool) -> anyhow::Result<()> {
    let answer = ctx
        .exchange(
            "listi (retrieve multiple instances)",
            &Call::list_instances(all),
        )
        .await
        .context("listing instances")?;

    ctx.finish(answer.as_ref(), &[])
}

/// `deletei [ID]`: starts a delete request; its id becomes current. With
/// `--wait`, prints the deleted instance.
pub(crate) async fn delete(
    ctx: &Context,
    given: Option<String>,
    wait: &WaitArgs,
) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Instance, given)?;

    let answer = ctx
        .exchange("deletei (delete instance)", &Call::delete_instance(&id))
        .await
        .with_context(|| format!("deleting instance {id}"))?;

    let request_id = answer.as_ref().and_then(|a| answer_id(a, "requestId"));
    let ids = request_id.map(|id| (IdKind::Request, id));
    let want = Some("deleted");
    finish_or_wait(ctx, answer.as_ref(), ids.as_slice(), wait, want).await
}
