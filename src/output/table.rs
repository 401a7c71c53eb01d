//! `--output table`: instances, requests and catalog resources as rows of
//! their useful columns. Anything else has no table and prints as JSON.

use serde_json::Value;

/// Columns of an instance or a request row.
const OBJECT_HEADER: [&str; 6] = ["ID", "TYPE", "NAME", "STATUS", "PROVIDER/REGION", "IPS"];
/// Columns of a catalog row.
const RESOURCE_HEADER: [&str; 3] = ["RESOURCE", "PROVIDER RESOURCE", "PARAMETERS"];

/// The table for `value`, or `None` when it holds no rows we know.
pub(super) fn render(value: &Value) -> Option<String> {
    if value.get("providers").is_some() {
        return Some(layout(&RESOURCE_HEADER, &resource_rows(value)));
    }
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        _ => return None,
    };
    let rows: Option<Vec<Vec<String>>> = items.into_iter().map(object_row).collect();
    Some(layout(&OBJECT_HEADER, &rows?))
}

/// One row for an instance or a request; `None` for anything else.
fn object_row(item: &Value) -> Option<Vec<String>> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let (id, status) = if let Some(id) = item.get("requestId") {
        (id, item.get("requestStatus"))
    } else {
        let id = item.get("instanceId")?;
        (
            id,
            item.get("attributes").and_then(|a| a.get("instanceStatus")),
        )
    };
    let place = format!(
        "{}/{}",
        text(item.get("provider")),
        text(item.get("region"))
    );
    Some(vec![
        text(Some(id)),
        text(item.get("resourceType")),
        text(item.get("metadata").and_then(|m| m.get("name"))),
        text(status),
        place,
        addresses(item),
    ])
}

/// An instance's public and private addresses, comma-separated.
fn addresses(item: &Value) -> String {
    let Some(attributes) = item.get("attributes") else {
        return String::new();
    };
    ["publicIpAddress", "privateIpAddress"]
        .iter()
        .filter_map(|key| attributes.get(*key)?.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// One row per resource of the catalog (`GET /resource`).
fn resource_rows(catalog: &Value) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for provider in list(catalog, "providers") {
        let provider_name = provider["name"].as_str().unwrap_or("");
        for region in list(provider, "regions") {
            let region_name = region["name"].as_str().unwrap_or("");
            let Some(resources) = region.get("resources").and_then(Value::as_object) else {
                continue;
            };
            for (kind, entries) in resources {
                for entry in entries.as_array().into_iter().flatten() {
                    let id = entry["id"].as_str().unwrap_or("");
                    rows.push(vec![
                        format!("{kind}/{provider_name}/{region_name}/{id}"),
                        entry["providerResourceId"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                        parameters(entry.get("parameters")),
                    ]);
                }
            }
        }
    }
    rows
}

fn list<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// `key=value` pairs of a resource's parameters.
fn parameters(parameters: Option<&Value>) -> String {
    let Some(map) = parameters.and_then(Value::as_object) else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Left-aligned columns two spaces apart, the header first.
fn layout(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    std::iter::once(&header)
        .chain(rows)
        .map(|row| line(row, &widths))
        .collect::<Vec<_>>()
        .join("\n")
}

fn line(row: &[String], widths: &[usize]) -> String {
    let cells: Vec<String> = row
        .iter()
        .zip(widths)
        .map(|(cell, width)| format!("{cell:<width$}"))
        .collect();
    cells.join("  ").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instances_and_requests_become_rows() {
        let vm = json!({
            "instanceId": "i-1", "resourceType": "vm", "provider": "hpcloud",
            "region": "nova", "metadata": {"name": "VM-1"},
            "attributes": {"instanceStatus": "running", "publicIpAddress": "15.1.2.3",
                           "privateIpAddress": "10.0.0.2"}
        });
        let request = json!({"requestId": "r-1", "requestStatus": "completed",
                             "resourceType": "kp", "provider": "hpcloud", "region": "nova"});
        let text = render(&json!([vm, request])).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID   TYPE  NAME  STATUS     PROVIDER/REGION  IPS"));
        assert!(lines[1].ends_with("running    hpcloud/nova     15.1.2.3,10.0.0.2"));
        assert!(lines[2].starts_with("r-1  kp"));
    }

    #[test]
    fn other_values_have_no_table() {
        assert_eq!(render(&json!("x")), None);
        assert_eq!(render(&json!([{"a": 1}])), None);
    }
}
