//! Criterion benchmarks of the hot paths every call goes through: the
//! emulator's engine (lookups, creates, the lazy transition catch-up) and
//! the client's transcript rendering and state file update.
//!
//! `cargo bench` runs them; they are not part of `cargo test`'s timing and
//! assert nothing about time.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use runcws::bench_api::{State, Transcript};
use runcws::emulator::accounts::{self, Account, Accounts};
use runcws::emulator::{DbLocation, EmulatorConfig, Engine};
use serde_json::{json, Value};

const VM_URI: &str = "vm/hpcloud/nova/standard.small";

fn vm_body() -> Value {
    json!({ "imageUri": "image/hpcloud/nova/ami-00000075", "metadata": { "name": "VM-1" } })
}

fn default_account(accounts: &Accounts) -> &Account {
    accounts
        .authenticate(accounts::DEFAULT_USER, accounts::DEFAULT_PASSWORD)
        .expect("the default test account")
}

fn memory_engine() -> Engine {
    let mut config = EmulatorConfig::new(DbLocation::Memory);
    config.seed = Some(6);
    Engine::new(&config).expect("an in-memory engine")
}

/// An engine holding `count` running vms; the id of the first.
fn engine_with_vms(account: &Account, count: usize) -> (Engine, String) {
    let engine = memory_engine();
    let mut first = None;
    for _ in 0..count {
        let answer = engine
            .create_resource(account, VM_URI, vm_body(), None)
            .expect("a vm create");
        let doc: Value = serde_json::from_str(&answer.body).expect("a JSON answer");
        let id = doc["parameters"]["instanceId"].as_str().map(str::to_owned);
        first = first.or(id);
    }
    engine.advance(Some(3_600_000)).expect("the clock advances");
    (engine, first.unwrap_or_default())
}

fn engine_benches(c: &mut Criterion) {
    let accounts = Accounts::builtin();
    let account = default_account(&accounts);
    let mut group = c.benchmark_group("engine");
    group.measurement_time(Duration::from_secs(3));

    group.bench_function("start (in-memory store, catalog)", |b| {
        b.iter(|| black_box(memory_engine()))
    });
    for count in [10, 10_000] {
        let (engine, id) = engine_with_vms(account, count);
        group.bench_function(format!("get_instance ({count} stored)"), |b| {
            b.iter(|| engine.get_instance(account, black_box(&id)).expect("found"))
        });
    }
    let (engine, _) = engine_with_vms(account, 1_000);
    group.bench_function("list_instances (1,000 stored)", |b| {
        b.iter(|| engine.list_instances(account, false).expect("listed"))
    });
    let engine = memory_engine();
    group.bench_function("create_resource vm (request document + insert)", |b| {
        b.iter(|| {
            engine
                .create_resource(account, VM_URI, vm_body(), None)
                .expect("created")
        })
    });
    group.sample_size(20);
    group.bench_function("catch up 100 vm creates and boots (200 transitions)", |b| {
        b.iter_batched(
            || {
                let engine = memory_engine();
                for _ in 0..100 {
                    engine
                        .create_resource(account, VM_URI, vm_body(), None)
                        .expect("created");
                }
                engine
            },
            |engine| engine.advance(Some(3_600_000)).expect("advanced"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn client_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("client");
    let transcript = Transcript::new("http://127.0.0.1:7780/api").expect("a transcript");
    let answer = json!({
        "requestId": "a0b1c2d3-0000-4000-8000-000000000001",
        "status": "in-progress",
        "parameters": { "instanceId": "a0b1c2d3-0000-4000-8000-000000000002" }
    });
    group.bench_function("transcript of createi (options + result)", |b| {
        b.iter(|| transcript.create("vm/hpcloud/nova/standard.small", vm_body(), &answer))
    });

    let dir = tempfile::tempdir().expect("a temp dir");
    let state = State::at(dir.path().join("state.json"));
    let ids = ["request-a", "request-b"];
    let mut turn = 0;
    group.sample_size(30);
    group.bench_function("state file update (lock, write, fsync, rename)", |b| {
        b.iter(|| {
            turn += 1;
            state.set(ids[turn % 2], None).expect("written")
        })
    });
    group.finish();
}

criterion_group!(benches, engine_benches, client_benches);
criterion_main!(benches);
