//! Reading API objects as JSON on the hot path of a fill.

use serde_json::Value;

/// What `obj.pointer(path)` finds, without its allocations: serde_json unescapes every
/// segment (`~1`, `~0`) into a new String, which at 40,000 objects adds up. Our paths are
/// literals without escapes.
pub fn at<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').skip(1).try_fold(obj, |v, key| match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_pointer_finds() {
        let obj = json!({"status": {"conditions": [{"type": "Ready"}], "n": 3}, "spec": {}});
        for path in [
            "",
            "/status",
            "/status/conditions/0/type",
            "/status/n",
            "/status/conditions/1",
            "/status/conditions/x",
            "/spec/missing",
            "/status/n/deeper",
        ] {
            assert_eq!(at(&obj, path), obj.pointer(path), "{path}");
        }
    }
}
