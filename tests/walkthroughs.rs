//! The transcript's three walkthroughs, replayed against `runcws serve`.

mod common;

use common::{keys, Client, Home, Server, USER};
use serde_json::Value;

fn setting(name: &str, id: &Value) -> (String, String) {
    (name.to_string(), id.as_str().unwrap().to_string())
}

#[test]
fn key_pair_walkthrough() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };

    // Create: the request, in progress, without a top-level instanceId.
    let run = client.run(&["createi", "demo/kp.create.json"]);
    let created = run.json();
    let url = format!("{}/resource/kp/hpcloud/nova/standard", server.base_url);
    assert!(run
        .stderr
        .starts_with("createi (create instance from resource)\noptions: {\n"));
    assert!(run
        .stderr
        .contains(&format!("  \"url\": \"{url}\",\n  \"method\": \"post\",")));
    assert!(run.stderr.contains(&format!(
        "\"user\": \"{USER}\",\n    \"pass\": \"<hidden>\""
    )));
    assert!(
        run.stderr.ends_with("----- RESULT -----\n"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.settings(),
        vec![setting("requestId", &created["requestId"])]
    );
    assert_eq!(created["requestStatus"], "in-progress");
    assert!(created.get("instanceId").is_none());
    assert_eq!(&keys(&created)[..3], ["requestId", "created", "updated"]);
    let instance_id = created["parameters"]["instanceId"].clone();

    // getr: completed; the instance becomes current, announced once.
    let run = client.wait_request();
    let request = &run.json()[0];
    assert_eq!(request["requestStatus"], "completed");
    assert_eq!(request["results"]["privateKey"], "<HIDDEN>");
    assert!(run
        .settings()
        .iter()
        .all(|s| s == &setting("instanceId", &instance_id)));
    assert_eq!(client.run(&["getr"]).settings(), vec![]);

    // geti: created, the private key in clear; no setting lines.
    let run = client.run(&["geti"]);
    let instance = run.json();
    assert_eq!(run.settings(), vec![]);
    assert_eq!(instance["instanceId"], instance_id);
    assert_eq!(instance["attributes"]["instanceStatus"], "created");
    let key = instance["attributes"]["privateKey"].as_str().unwrap();
    assert!(key.starts_with("-----BEGIN RSA PRIVATE KEY-----"));

    // listr answers, then cleans the finished request up; listi still has
    // the instance.
    let listed = client.run(&["listr"]).json();
    assert_eq!(listed[0]["requestStatus"], "completed");
    assert_eq!(client.run(&["listr"]).stdout, "[]\n");
    let listed = client.run(&["listi"]).json();
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["instanceId"] == instance_id));

    // deletei, getr, geti: deleted.
    let run = client.run(&["deletei"]);
    let deleting = run.json();
    assert_eq!(
        run.settings(),
        vec![setting("requestId", &deleting["requestId"])]
    );
    assert_eq!(deleting["parameters"]["action"], "kp.delete");
    let run = client.wait_request();
    assert_eq!(run.json()[0]["results"]["instanceStatus"], "deleted");
    let gone = client.run(&["geti"]).json();
    assert_eq!(gone["attributes"]["instanceStatus"], "deleted");
}

/// Creates a VM and follows it to `running`; returns its id.
fn running_vm(client: &Client) -> Value {
    let created = client.run(&["createi", "demo\\vm.create.json"]).json();
    let vm_id = created["parameters"]["instanceId"].clone();
    let run = client.wait_request();
    let results = &run.json()[0]["results"];
    assert_eq!(results["instanceStatus"], "creating");
    assert_eq!(results["password"], "<HIDDEN>");

    let instance = client.run(&["geti"]).json();
    assert_eq!(instance["attributes"]["instanceStatus"], "creating");
    assert_eq!(instance["attributes"]["transientStatus"], true);
    assert_ne!(instance["attributes"]["password"], "<HIDDEN>");

    client.poll(&["geti"], |instance| {
        if instance["attributes"]["transientStatus"] == true {
            let run = client.run(&["getir"]);
            assert_eq!(run.settings().len(), 1, "{}", run.stderr);
            client.wait_request();
        }
        instance["attributes"]["instanceStatus"] == "running"
    });
    vm_id
}

#[test]
fn vm_walkthrough() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };

    let vm_id = running_vm(&client);
    let vm = client.run(&["geti", vm_id.as_str().unwrap()]).json();
    assert_eq!(vm["providerResourceId"], "Standard.small");
    assert!(vm["attributes"]["publicIpAddress"].is_string());
    assert!(vm["attributes"]["privateIpAddress"].is_string());
    assert_eq!(vm["parameters"]["cpuCount"], "2");

    let deleting = client.run(&["deletei"]).json();
    assert_eq!(deleting["parameters"]["action"], "vm.delete");
    client.wait_request();
    let gone = client.poll(&["geti"], |i| i["attributes"]["transientStatus"] == false);
    assert_eq!(gone.json()["attributes"]["instanceStatus"], "deleted");
}

#[test]
fn image_walkthrough() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    running_vm(&client);

    // createimage sets both the request and the new image as current.
    let run = client.run(&["createimage", "demo/vm.create.image.json"]);
    let answer = run.json();
    assert!(run
        .stderr
        .contains("?action=image\",\n  \"method\": \"post\",\n  \"json\": {"));
    assert_eq!(
        run.settings(),
        vec![
            setting("requestId", &answer["requestId"]),
            setting("instanceId", &answer["instanceId"]),
        ]
    );
    assert_eq!(answer["resourceUri"], "image/hpcloud/nova/");
    let request = &client.wait_request().json()[0];
    assert_eq!(request["results"]["instanceStatus"], "creating");

    // Refresh until the image is created.
    let image = client.poll(&["geti"], |image| {
        if image["attributes"]["transientStatus"] == true {
            client.run(&["getir"]).json();
            client.wait_request();
        }
        image["attributes"]["instanceStatus"] == "created"
    });
    let image_uri = image.json()["resourceUri"].as_str().unwrap().to_string();
    assert!(
        image_uri.starts_with("image/hpcloud/nova/ami-"),
        "{image_uri}"
    );

    // The image's resourceUri is the imageUri of a new vm.
    let from_image = format!(
        r#"{{"resourceUri": "vm/hpcloud/nova/standard.small", "imageUri": "{image_uri}"}}"#
    );
    home.write("from-image.json", &from_image);
    client.run(&["createi", "from-image.json"]).json();
    let request = &client.wait_request().json()[0];
    assert_eq!(request["requestStatus"], "completed", "{request}");
}
