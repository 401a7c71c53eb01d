//! Rendering one value as `--output` asks: JSON, compact JSON, YAML or a
//! table.

use anyhow::Context as _;
use colored_json::{ColorMode, ToColoredJson as _};
use serde_json::Value;

use super::{pretty, table};
use crate::cli::OutputFormat;

/// `value` as text in `format`, without a final newline.
pub(super) fn render(value: &Value, format: OutputFormat, color: bool) -> anyhow::Result<String> {
    match format {
        OutputFormat::Json if color => colored(&pretty(value)),
        OutputFormat::Json => Ok(pretty(value)),
        OutputFormat::Compact if color => colored(&value.to_string()),
        OutputFormat::Compact => Ok(value.to_string()),
        OutputFormat::Yaml => yaml(value),
        OutputFormat::Table => Ok(table::render(value).unwrap_or_else(|| pretty(value))),
    }
}

fn colored(json: &str) -> anyhow::Result<String> {
    json.to_colored_json(ColorMode::On)
        .context("coloring the result")
}

/// YAML in the result's key order, without the document marker.
fn yaml(value: &Value) -> anyhow::Result<String> {
    let text = serde_norway::to_string(value).context("writing the result as YAML")?;
    Ok(text.trim_end_matches('\n').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_keeps_key_order_and_reads_back() {
        let value = json!({"b": 1, "a": [true, "x: y"]});
        let text = render(&value, OutputFormat::Yaml, false).unwrap();
        assert!(text.starts_with("b: 1\na:\n"), "{text}");
        let back: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn compact_is_one_line_and_color_only_when_asked() {
        let value = json!({"a": {"b": [1, 2]}});
        assert_eq!(
            render(&value, OutputFormat::Compact, false).unwrap(),
            r#"{"a":{"b":[1,2]}}"#
        );
        let colored = render(&value, OutputFormat::Json, true).unwrap();
        assert!(colored.contains('\u{1b}'), "{colored}");
        assert!(!render(&value, OutputFormat::Json, false)
            .unwrap()
            .contains('\u{1b}'));
    }
}
