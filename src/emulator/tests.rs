//! Life-cycle tests of the engine, with the clock driven by `advance`
//! instead of sleeps.

use serde_json::{json, Value};

use super::accounts::{Account, DEFAULT_PASSWORD, DEFAULT_USER, NOPAY_PASSWORD, NOPAY_USER};
use super::engine::{Answer, ApiError, Engine};
use super::faults::Rule;
use super::{DbLocation, EmulatorConfig};

fn engine() -> Engine {
    Engine::new(&EmulatorConfig::new(DbLocation::Memory)).unwrap()
}

fn account(engine: &Engine) -> Account {
    engine
        .accounts
        .authenticate(DEFAULT_USER, DEFAULT_PASSWORD)
        .unwrap()
        .clone()
}

fn json_of(answer: Result<Answer, ApiError>) -> Value {
    let answer = answer.unwrap_or_else(|e| panic!("{} {}: {}", e.status, e.code, e.message));
    serde_json::from_str(&answer.body).unwrap()
}

fn status_of(answer: Result<Answer, ApiError>) -> u16 {
    match answer {
        Ok(a) => a.status,
        Err(e) => e.status,
    }
}

fn advance(engine: &Engine, ms: i64) {
    engine.advance(Some(ms)).unwrap();
}

fn create_vm(engine: &Engine, who: &Account, metadata: Value) -> (String, String) {
    let body = json!({ "imageUri": "image/hpcloud/nova/ami-00000075", "metadata": metadata });
    let request =
        json_of(engine.create_resource(who, "vm/hpcloud/nova/standard.small", body, None));
    let id = request["parameters"]["instanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    (request["requestId"].as_str().unwrap().to_owned(), id)
}

fn request(engine: &Engine, who: &Account, id: &str) -> Value {
    json_of(engine.get_request(who, id))[0].clone()
}

fn instance(engine: &Engine, who: &Account, id: &str) -> Value {
    json_of(engine.get_instance(who, id))
}

fn refresh(engine: &Engine, who: &Account, id: &str) -> Value {
    let started = json_of(engine.refresh_instance(who, id));
    advance(engine, 1_000);
    request(engine, who, started["requestId"].as_str().unwrap())
}

#[test]
fn a_vm_boots_only_as_time_passes_and_is_seen_only_after_a_refresh() {
    let engine = engine();
    let me = account(&engine);
    let (request_id, id) = create_vm(&engine, &me, json!({"name": "VM-1"}));
    assert_eq!(
        status_of(engine.get_instance(&me, &id)),
        404,
        "no instance before completion"
    );
    advance(&engine, 3_400);
    let done = request(&engine, &me, &request_id);
    assert_eq!(done["requestStatus"], "completed");
    assert_eq!(done["results"]["password"], "<HIDDEN>");
    assert_eq!(
        instance(&engine, &me, &id)["attributes"]["instanceStatus"],
        "creating"
    );
    advance(&engine, 60_000);
    // The provider is running now, but the stored instance has not heard.
    assert_eq!(
        instance(&engine, &me, &id)["attributes"]["instanceStatus"],
        "creating"
    );
    let refreshed = refresh(&engine, &me, &id);
    assert_eq!(refreshed["parameters"]["action"], "vm.retrieve");
    assert_eq!(refreshed["results"]["instanceStatus"], "running");
    let vm = instance(&engine, &me, &id);
    assert_eq!(vm["attributes"]["transientStatus"], false);
    assert!(vm["attributes"]["publicIpAddress"].is_string());
    assert_eq!(vm["providerResourceId"], "Standard.small");
}

#[test]
fn deleting_a_booting_vm_passes_through_deleting_then_it_is_purged() {
    let engine = engine();
    let me = account(&engine);
    let (_, id) = create_vm(&engine, &me, json!({}));
    advance(&engine, 3_400);
    let delete = json_of(engine.delete_instance(&me, &id));
    assert_eq!(
        status_of(engine.delete_instance(&me, &id)),
        409,
        "a second delete conflicts"
    );
    advance(&engine, 600);
    let done = request(&engine, &me, delete["requestId"].as_str().unwrap());
    assert_eq!(done["results"]["instanceStatus"], "deleting");
    advance(&engine, 10_000);
    assert_eq!(
        refresh(&engine, &me, &id)["results"]["instanceStatus"],
        "deleted"
    );
    let listed = |cleanup| {
        json_of(engine.list_instances(&me, cleanup))
            .as_array()
            .unwrap()
            .len()
    };
    advance(&engine, 3_600_000);
    assert_eq!(listed(false), 1, "without cleanup, nothing is removed");
    assert_eq!(
        listed(true),
        0,
        "cleanup removes what is past the retention"
    );
    assert_eq!(status_of(engine.get_instance(&me, &id)), 404);
}

#[test]
fn a_deleted_instance_answers_404_once_past_the_retention() {
    let engine = engine();
    let me = account(&engine);
    let body = json!({ "metadata": {} });
    let kp = json_of(engine.create_resource(&me, "kp/hpcloud/nova/standard", body, None));
    let id = kp["parameters"]["instanceId"].as_str().unwrap().to_owned();
    advance(&engine, 1_000);
    engine.delete_instance(&me, &id).unwrap();
    advance(&engine, 1_000);
    assert_eq!(
        instance(&engine, &me, &id)["attributes"]["instanceStatus"],
        "deleted"
    );
    advance(&engine, 3_600_000);
    assert_eq!(status_of(engine.get_instance(&me, &id)), 404);
    assert_eq!(json_of(engine.list_instances(&me, false)), json!([]));
}

#[test]
fn an_image_needs_a_running_vm_and_can_boot_a_new_vm_once_created() {
    let engine = engine();
    let me = account(&engine);
    let (_, vm) = create_vm(&engine, &me, json!({}));
    advance(&engine, 3_400);
    let early = engine.create_image(&me, &vm, json!({"metadata": {}}), None);
    assert_eq!(status_of(early), 409, "the stored vm is still creating");
    advance(&engine, 10_000);
    refresh(&engine, &me, &vm);
    let started =
        json_of(engine.create_image(&me, &vm, json!({"metadata": {"name": "IMG"}}), None));
    let image = started["instanceId"].as_str().unwrap().to_owned();
    assert_eq!(started["resourceUri"], "image/hpcloud/nova/");
    advance(&engine, 1_000);
    let stored = instance(&engine, &me, &image);
    let uri = stored["resourceUri"].as_str().unwrap().to_owned();
    assert_eq!(stored["attributes"]["instanceStatus"], "creating");
    let body = json!({ "imageUri": uri, "metadata": {} });
    assert_eq!(
        status_of(engine.create_resource(
            &me,
            "vm/hpcloud/nova/standard.small",
            body.clone(),
            None
        )),
        409
    );
    advance(&engine, 20_000);
    let halfway = refresh(&engine, &me, &image);
    assert_eq!(halfway["results"]["progress"], 50);
    advance(&engine, 20_000);
    let done = refresh(&engine, &me, &image);
    assert_eq!(done["results"]["progress"], 100);
    assert_eq!(done["results"]["instanceStatus"], "created");
    let from_image =
        json_of(engine.create_resource(&me, "vm/hpcloud/nova/standard.small", body, None));
    let expected = uri.rsplit('/').next().unwrap();
    assert_eq!(
        from_image["parameters"]["image_providerResourceId"],
        expected
    );
}

#[test]
fn accounts_see_only_their_own_objects_and_need_payment_to_create() {
    let engine = engine();
    let me = account(&engine);
    let other = engine
        .accounts
        .authenticate(NOPAY_USER, NOPAY_PASSWORD)
        .unwrap()
        .clone();
    let (request_id, id) = create_vm(&engine, &me, json!({}));
    advance(&engine, 3_400);
    assert_eq!(status_of(engine.get_request(&other, &request_id)), 404);
    assert_eq!(status_of(engine.get_instance(&other, &id)), 404);
    assert_eq!(status_of(engine.delete_instance(&other, &id)), 404);
    assert_eq!(status_of(engine.refresh_instance(&other, &id)), 404);
    assert_eq!(json_of(engine.list_instances(&other, false)), json!([]));
    let body = json!({ "metadata": {} });
    assert_eq!(
        status_of(engine.create_resource(&other, "kp/hpcloud/nova/standard", body, None)),
        403
    );
}

#[test]
fn finished_requests_are_listed_once_with_cleanup() {
    let engine = engine();
    let me = account(&engine);
    create_vm(&engine, &me, json!({}));
    assert_eq!(
        json_of(engine.list_requests(&me, true))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        json_of(engine.list_requests(&me, true))
            .as_array()
            .unwrap()
            .len(),
        1,
        "in progress stays"
    );
    advance(&engine, 3_400);
    assert_eq!(
        json_of(engine.list_requests(&me, false))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        json_of(engine.list_requests(&me, true))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(json_of(engine.list_requests(&me, true)), json!([]));
}

#[test]
fn an_idempotency_key_returns_the_first_answer() {
    let engine = engine();
    let me = account(&engine);
    let body = json!({ "metadata": {"name": "KP1"} });
    let uri = "kp/hpcloud/nova/standard";
    let first = json_of(engine.create_resource(&me, uri, body.clone(), Some("k-1")));
    let again = json_of(engine.create_resource(&me, uri, body.clone(), Some("k-1")));
    assert_eq!(first, again);
    let other = json_of(engine.create_resource(&me, uri, body, Some("k-2")));
    assert_ne!(first["requestId"], other["requestId"]);
}

#[test]
fn faults_fail_lose_or_break_what_they_match() {
    let engine = engine();
    let me = account(&engine);
    let rule: Rule = serde_json::from_value(json!({
        "action": "vm.create", "metadata": {"name": "doomed"}, "effect": "fail",
        "code": "NoCapacity", "message": "no room"
    }))
    .unwrap();
    engine.add_fault(rule).unwrap();
    let (failing, failing_id) = create_vm(&engine, &me, json!({"name": "doomed"}));
    let (lost, _) = create_vm(&engine, &me, json!({"emulatorFault": "lose"}));
    let (_, broken) = create_vm(
        &engine,
        &me,
        json!({"emulatorFault": "error-after-running"}),
    );
    advance(&engine, 3_400);
    let failed = request(&engine, &me, &failing);
    assert_eq!(failed["requestStatus"], "failed");
    assert_eq!(
        failed["error"],
        json!({"code": "NoCapacity", "message": "no room"})
    );
    assert_eq!(
        status_of(engine.get_instance(&me, &failing_id)),
        404,
        "a failed create leaves nothing"
    );
    advance(&engine, 600_000);
    assert_eq!(request(&engine, &me, &lost)["requestStatus"], "in-progress");
    assert_eq!(
        refresh(&engine, &me, &broken)["results"]["instanceStatus"],
        "error"
    );
}

#[test]
fn seeded_engines_give_the_same_ids_keys_and_addresses() {
    let run = || {
        let mut config = EmulatorConfig::new(DbLocation::Memory);
        config.seed = Some(42);
        let engine = Engine::new(&config).unwrap();
        let me = account(&engine);
        let kp = json_of(engine.create_resource(&me, "kp/hpcloud/nova/standard", json!({}), None));
        let (_, vm) = create_vm(&engine, &me, json!({}));
        advance(&engine, 20_000);
        let refreshed = refresh(&engine, &me, &vm);
        let key = request(&engine, &me, kp["requestId"].as_str().unwrap());
        (
            kp["requestId"].clone(),
            key["results"]["keyFingerprint"].clone(),
            refreshed["results"].clone(),
        )
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_resources_and_bodies_are_refused_with_their_status() {
    let engine = engine();
    let me = account(&engine);
    let cases = [
        ("vm/hpcloud/nova/huge", json!({}), 404),
        ("vm/nowhere/nova/standard.small", json!({}), 404),
        ("vm/hpcloud/../standard.small", json!({}), 404),
        (
            "vm/hpcloud/nova/standard.small",
            json!({"metadata": {}}),
            400,
        ),
        (
            "vm/hpcloud/nova/standard.small",
            json!({"imageUri": "image/hpcloud/nova/ami-nope"}),
            404,
        ),
        ("kp/hpcloud/nova/standard", json!([1, 2]), 400),
        ("kp/hpcloud/nova/standard", json!({"metadata": "x"}), 400),
    ];
    for (uri, body, status) in cases {
        assert_eq!(
            status_of(engine.create_resource(&me, uri, body.clone(), None)),
            status,
            "{uri} {body}"
        );
    }
}

#[test]
fn reset_empties_everything() {
    let engine = engine();
    let me = account(&engine);
    create_vm(&engine, &me, json!({}));
    engine.reset().unwrap();
    assert_eq!(json_of(engine.list_requests(&me, false)), json!([]));
    assert_eq!(json_of(engine.schedule()), json!([]));
}

#[test]
fn the_clock_cannot_be_pushed_past_a_century() {
    let engine = engine();
    assert_eq!(status_of(engine.advance(Some(i64::MAX))), 400);
    assert_eq!(status_of(engine.advance(Some(200 * 365 * 86_400_000))), 400);
    let me = account(&engine);
    assert_eq!(
        status_of(engine.list_instances(&me, true)),
        200,
        "still serving"
    );
}
