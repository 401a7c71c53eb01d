//! `--jq EXPR`: the jq filter language, by the jaq crates.
//!
//! A filter is checked once before anything is sent, so a typo never
//! costs a create; it runs on the result once, at the end. Values cross
//! between serde_json and jaq as JSON text, which keeps key order.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde_json::Value;

use crate::error::BadInput;

/// The data a filter runs over: JSON values, no extra context.
type Data = data::JustLut<Val>;

/// A filter after compilation.
type CompiledFilter = jaq_core::compile::Filter<jaq_core::Native<Data>>;

/// A jq filter that compiled.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    code: String,
}

impl Filter {
    /// Compiles `code`, reporting syntax errors and unknown names.
    pub(crate) fn new(code: &str) -> Result<Filter, BadInput> {
        let filter = Filter {
            code: code.to_string(),
        };
        match filter.compiled(drop) {
            Ok(()) => Ok(filter),
            Err(Failure::Compile(message) | Failure::Run(message)) => Err(BadInput::new(message)),
        }
    }

    /// The filter's outputs for `input`, in order.
    pub(crate) fn apply(&self, input: &Value) -> Result<Vec<Value>, BadInput> {
        self.run(input.clone()).map_err(|e| match e {
            Failure::Compile(message) | Failure::Run(message) => BadInput::new(message),
        })
    }

    fn run(&self, input: Value) -> Result<Vec<Value>, Failure> {
        let input = to_val(&input)?;
        self.compiled(|filter| {
            let ctx = Ctx::<Data>::new(&filter.lut, Vars::new([]));
            let outputs = filter.id.run((ctx, input)).map(unwrap_valr);
            outputs
                .map(|out| match out {
                    Ok(val) => from_val(&val),
                    Err(e) => Err(Failure::Run(format!(
                        "jq filter {:?}: {}",
                        self.code,
                        without_values(&e.to_string(), &self.code)
                    ))),
                })
                .collect()
        })?
    }

    /// Compiles the filter with jq's standard definitions and hands it to
    /// `then`.
    fn compiled<R>(&self, then: impl FnOnce(CompiledFilter) -> R) -> Result<R, Failure> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        // No `env`: it would hand the filter RUNCWS_PASSWORD.
        let funs = jaq_core::funs()
            .chain(jaq_std::funs().filter(|(name, ..)| *name != "env"))
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let program = File {
            code: self.code.as_str(),
            path: (),
        };
        let modules = Loader::new(defs)
            .load(&arena, program)
            .map_err(|errs| Failure::Compile(self.load_message(&errs)))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| Failure::Compile(self.compile_message(&errs)))?;
        Ok(then(filter))
    }

    fn load_message(&self, errs: &jaq_core::load::Errors<&str, ()>) -> String {
        use jaq_core::load::Error;
        let details: Vec<String> = errs
            .iter()
            .flat_map(|(_, err)| match err {
                Error::Io(list) => list.iter().map(|(s, m)| format!("{s}: {m}")).collect(),
                Error::Lex(list) => list
                    .iter()
                    .map(|(expect, at)| format!("expected {} at {at:?}", expect.as_str()))
                    .collect(),
                Error::Parse(list) => list
                    .iter()
                    .map(|(expect, at)| format!("expected {} at {at:?}", expect.as_str()))
                    .collect::<Vec<_>>(),
            })
            .collect();
        format!(
            "jq filter {:?} does not parse: {}",
            self.code,
            details.join("; ")
        )
    }

    fn compile_message(&self, errs: &jaq_core::compile::Errors<&str, ()>) -> String {
        let details: Vec<String> = errs
            .iter()
            .flat_map(|(_, list)| list.iter())
            .map(|(name, what)| format!("undefined {} {name}", what.as_str()))
            .collect();
        format!("jq filter {:?}: {}", self.code, details.join("; "))
    }
}

/// Why a filter gave no outputs.
enum Failure {
    /// It does not parse or names something undefined.
    Compile(String),
    /// It failed on this input.
    Run(String),
}

/// A run-time error without the values it quotes: they can be whole
/// answers, private keys and passwords included, and run to kilobytes.
/// Quoted strings are kept only when the filter itself holds them (field
/// names); arrays, objects and other strings become `<value>`.
fn without_values(message: &str, code: &str) -> String {
    const LIMIT: usize = 200;
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let text = quoted(&mut chars);
                if code.contains(&text) {
                    out.push_str(&format!("\"{text}\""));
                } else {
                    out.push_str("<value>");
                }
            }
            '{' | '[' => {
                skip_group(&mut chars);
                out.push_str("<value>");
            }
            other => out.push(other),
        }
    }
    if out.chars().count() > LIMIT {
        out = out.chars().take(LIMIT).collect::<String>() + "…";
    }
    out
}

/// Reads a JSON string's body after its opening quote.
fn quoted(chars: &mut impl Iterator<Item = char>) -> String {
    let mut text = String::new();
    let mut escaped = false;
    for c in chars.by_ref() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => break,
            _ => {}
        }
        text.push(c);
    }
    text
}

/// Skips to the end of a `{…}` or `[…]` group whose opener was read.
fn skip_group(chars: &mut impl Iterator<Item = char>) {
    let mut depth = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '"' => drop(quoted(chars)),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

fn to_val(value: &Value) -> Result<Val, Failure> {
    let text = value.to_string();
    jaq_json::read::parse_single(text.as_bytes())
        .map_err(|e| Failure::Run(format!("reading the result for jq: {e}")))
}

fn from_val(val: &Val) -> Result<Value, Failure> {
    let text = val.to_string();
    serde_json::from_str(&text)
        .map_err(|_| Failure::Run(format!("jq gave {text}, which is not JSON")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_and_keeps_key_order() {
        let input = json!({"b": 1, "a": {"z": 2, "y": 3}, "list": [1, 2]});
        let filter = Filter::new(".a").unwrap();
        let out = filter.apply(&input).unwrap();
        assert_eq!(serde_json::to_string(&out[0]).unwrap(), r#"{"z":2,"y":3}"#);
        let out = Filter::new(".list[] | . * 10").unwrap().apply(&input);
        assert_eq!(out.unwrap(), vec![json!(10), json!(20)]);
        let out = Filter::new("keys_unsorted | length").unwrap().apply(&input);
        assert_eq!(out.unwrap(), vec![json!(3)]);
    }

    #[test]
    fn run_time_errors_do_not_quote_the_data() {
        let filter = Filter::new(".foo").unwrap();
        let secret = json!([{"privateKey": "-----BEGIN RSA PRIVATE KEY-----", "a": "]}"}]);
        let error = filter.apply(&secret).unwrap_err().to_string();
        assert!(!error.contains("PRIVATE"), "{error}");
        assert!(error.contains("<value>"), "{error}");
        assert!(error.starts_with("jq filter \".foo\""), "{error}");
        let password = json!({"password": "bAZRf2qQ5VDdE76t"});
        let error = Filter::new(".password | .foo")
            .unwrap()
            .apply(&password)
            .unwrap_err();
        assert!(!error.to_string().contains("bAZRf2qQ5VDdE76t"), "{error}");
        assert!(error.to_string().contains("\"foo\""), "{error}");
    }

    #[test]
    fn the_environment_is_out_of_reach() {
        for code in ["env", "env.RUNCWS_PASSWORD", "$ENV.RUNCWS_PASSWORD"] {
            assert!(Filter::new(code).is_err(), "{code} compiled");
        }
    }

    #[test]
    fn bad_filters_are_bad_input() {
        let err = Filter::new(".a | ").unwrap_err().to_string();
        assert!(
            err.starts_with("jq filter \".a | \" does not parse"),
            "{err}"
        );
        let err = Filter::new("nosuchfn").unwrap_err().to_string();
        assert!(err.contains("undefined"), "{err}");
        let err = Filter::new(".a.b").unwrap().apply(&json!({"a": 1}));
        assert!(err.is_err());
    }
}
