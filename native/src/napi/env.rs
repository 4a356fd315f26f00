//! Safe wrappers over one N-API environment: create JS values, read them back, convert to and
//! from serde_json. Every method runs on the JS thread that owns `env` (N-API's own rule).

use std::os::raw::{c_char, c_void};
use std::ptr;

use serde::Serialize;
use serde_json::{Map, Number, Value};

use super::sys::*;
use crate::error::{CoreError, Result};

/// Deepest nesting accepted when reading a JS value as JSON (stops cyclic objects).
const MAX_DEPTH: usize = 128;

/// The N-API environment of the current call. Only valid on the JS thread, during the call.
#[derive(Clone, Copy)]
pub struct Env(pub(crate) napi_env);

/// A JS value handle, valid for the current handle scope (the current call).
#[derive(Clone, Copy)]
pub struct JsValue(pub(crate) napi_value);

/// Turn an N-API status into a coded error.
pub fn check(status: napi_status, what: &str) -> Result<()> {
    if status == NAPI_OK {
        Ok(())
    } else if status == NAPI_PENDING_EXCEPTION {
        Err(CoreError::new(
            "EJSEXCEPTION",
            format!("a JavaScript exception is pending ({what})"),
        ))
    } else {
        Err(CoreError::new(
            "ENAPI",
            format!("Node-API call {what} failed with status {status}"),
        ))
    }
}

/// Call an N-API function that writes one out-parameter, checking its status.
macro_rules! out {
    ($what:ident($($arg:expr),*)) => {{
        let mut result = std::mem::MaybeUninit::uninit();
        // SAFETY: the callers pass a live env and handles of this call; the out-pointer is valid
        // for one write and is read only when N-API reports success.
        let status = unsafe { $crate::napi::sys::$what($($arg,)* result.as_mut_ptr()) };
        $crate::napi::env::check(status, stringify!($what)).map(|_| {
            // SAFETY: status was napi_ok, so N-API initialised the out-parameter.
            unsafe { result.assume_init() }
        })
    }};
}
pub(crate) use out;

impl Env {
    pub fn undefined(self) -> Result<JsValue> {
        out!(napi_get_undefined(self.0)).map(JsValue)
    }

    pub fn null(self) -> Result<JsValue> {
        out!(napi_get_null(self.0)).map(JsValue)
    }

    pub fn boolean(self, value: bool) -> Result<JsValue> {
        out!(napi_get_boolean(self.0, value)).map(JsValue)
    }

    pub fn double(self, value: f64) -> Result<JsValue> {
        out!(napi_create_double(self.0, value)).map(JsValue)
    }

    pub fn int64(self, value: i64) -> Result<JsValue> {
        out!(napi_create_int64(self.0, value)).map(JsValue)
    }

    pub fn string(self, value: &str) -> Result<JsValue> {
        out!(napi_create_string_utf8(
            self.0,
            value.as_ptr() as *const c_char,
            value.len()
        ))
        .map(JsValue)
    }

    /// A Node Buffer holding a copy of `bytes`.
    pub fn buffer(self, bytes: &[u8]) -> Result<JsValue> {
        let mut data: *mut c_void = ptr::null_mut();
        out!(napi_create_buffer_copy(
            self.0,
            bytes.len(),
            bytes.as_ptr() as *const c_void,
            &mut data
        ))
        .map(JsValue)
    }

    pub fn object(self) -> Result<JsValue> {
        out!(napi_create_object(self.0)).map(JsValue)
    }

    pub fn array(self, len: usize) -> Result<JsValue> {
        out!(napi_create_array_with_length(self.0, len)).map(JsValue)
    }

    pub fn set(self, object: JsValue, key: &str, value: JsValue) -> Result<()> {
        let key = self.string(key)?;
        // SAFETY: env, object, key and value are live handles of this call.
        check(
            unsafe { napi_set_property(self.0, object.0, key.0, value.0) },
            "napi_set_property",
        )
    }

    pub fn set_element(self, array: JsValue, index: u32, value: JsValue) -> Result<()> {
        // SAFETY: env, array and value are live handles of this call.
        check(
            unsafe { napi_set_element(self.0, array.0, index, value.0) },
            "napi_set_element",
        )
    }

    /// A JS `Error` with `.code` set to the stable code and `.message` to the message.
    pub fn error(self, err: &CoreError) -> Result<JsValue> {
        let code = self.string(err.code)?;
        let message = self.string(&err.message)?;
        out!(napi_create_error(self.0, code.0, message.0)).map(JsValue)
    }

    /// Throw `err` as a coded JS Error. Best effort: if another exception is already pending
    /// (e.g. a user getter threw), that one wins.
    pub fn throw(self, err: &CoreError) {
        let mut pending = false;
        // SAFETY: env is live; `pending` is a valid out-pointer.
        unsafe { napi_is_exception_pending(self.0, &mut pending) };
        if pending {
            return;
        }
        if let Ok(js) = self.error(err) {
            // SAFETY: env and the freshly created error are live handles of this call.
            unsafe { napi_throw(self.0, js.0) };
        }
    }

    /// Convert any serde-serialisable value into a JS value (through serde_json::Value).
    pub fn to_js<T: Serialize + ?Sized>(self, value: &T) -> Result<JsValue> {
        self.from_json(&serde_json::to_value(value)?)
    }

    /// Build the JS value equal to `value` (objects, arrays, strings, numbers, booleans, null).
    pub fn from_json(self, value: &Value) -> Result<JsValue> {
        match value {
            Value::Null => self.null(),
            Value::Bool(b) => self.boolean(*b),
            Value::Number(n) => match n.as_i64() {
                // Integers within 2^53 stay exact in a JS number; larger ones round like JSON.parse.
                Some(i) if i.unsigned_abs() <= (1u64 << 53) => self.int64(i),
                _ => self.double(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                let array = self.array(items.len())?;
                for (i, item) in items.iter().enumerate() {
                    let index = u32::try_from(i)
                        .map_err(|_| CoreError::invalid("array too long for JS"))?;
                    self.set_element(array, index, self.from_json(item)?)?;
                }
                Ok(array)
            }
            Value::Object(map) => {
                let object = self.object()?;
                for (key, item) in map {
                    self.set(object, key, self.from_json(item)?)?;
                }
                Ok(object)
            }
        }
    }

    pub fn type_of(self, value: JsValue) -> Result<napi_valuetype> {
        out!(napi_typeof(self.0, value.0))
    }

    /// Read a JS string; any other type is an EINVAL error naming `what`.
    pub fn get_string(self, value: JsValue, what: &str) -> Result<String> {
        if self.type_of(value)? != NAPI_STRING {
            return Err(CoreError::invalid(format!("{what} must be a string")));
        }
        let len = out!(napi_get_value_string_utf8(
            self.0,
            value.0,
            ptr::null_mut(),
            0
        ))?;
        let mut buf = vec![0u8; len + 1];
        let written = out!(napi_get_value_string_utf8(
            self.0,
            value.0,
            buf.as_mut_ptr() as *mut c_char,
            buf.len()
        ))?;
        buf.truncate(written);
        String::from_utf8(buf).map_err(|_| CoreError::invalid(format!("{what} is not valid UTF-8")))
    }

    /// Read a JS value as JSON, with JSON.stringify's rules for plain data (own enumerable string
    /// keys, `undefined` -> null, non-finite numbers -> null). Functions, symbols and bigints are EINVAL.
    pub fn to_json(self, value: JsValue) -> Result<Value> {
        self.to_json_at(value, 0)
    }

    fn to_json_at(self, value: JsValue, depth: usize) -> Result<Value> {
        if depth > MAX_DEPTH {
            return Err(CoreError::invalid("value is nested too deeply (cyclic?)"));
        }
        match self.type_of(value)? {
            NAPI_UNDEFINED | NAPI_NULL => Ok(Value::Null),
            NAPI_BOOLEAN => out!(napi_get_value_bool(self.0, value.0)).map(Value::Bool),
            NAPI_NUMBER => {
                let n = out!(napi_get_value_double(self.0, value.0))?;
                Ok(number_to_json(n))
            }
            NAPI_STRING => self.get_string(value, "value").map(Value::String),
            NAPI_OBJECT => {
                if out!(napi_is_array(self.0, value.0))? {
                    let len = out!(napi_get_array_length(self.0, value.0))?;
                    let mut items = Vec::with_capacity(len as usize);
                    for i in 0..len {
                        let item = JsValue(out!(napi_get_element(self.0, value.0, i))?);
                        items.push(self.to_json_at(item, depth + 1)?);
                    }
                    return Ok(Value::Array(items));
                }
                let keys = JsValue(out!(napi_get_all_property_names(
                    self.0,
                    value.0,
                    NAPI_KEY_OWN_ONLY,
                    NAPI_KEY_ENUMERABLE_SKIP_SYMBOLS,
                    NAPI_KEY_NUMBERS_TO_STRINGS
                ))?);
                let len = out!(napi_get_array_length(self.0, keys.0))?;
                let mut map = Map::new();
                for i in 0..len {
                    let key = JsValue(out!(napi_get_element(self.0, keys.0, i))?);
                    let item = JsValue(out!(napi_get_property(self.0, value.0, key.0))?);
                    let item_type = self.type_of(item)?;
                    if item_type == NAPI_UNDEFINED || item_type == NAPI_FUNCTION {
                        continue; // JSON.stringify drops these in objects
                    }
                    map.insert(
                        self.get_string(key, "key")?,
                        self.to_json_at(item, depth + 1)?,
                    );
                }
                Ok(Value::Object(map))
            }
            _ => Err(CoreError::invalid(
                "value is not JSON-serialisable (function, symbol or bigint)",
            )),
        }
    }

    /// Call a JS function with `args` and `undefined` as `this`.
    pub fn call(self, func: JsValue, args: &[JsValue]) -> Result<JsValue> {
        let this = self.undefined()?;
        let argv: Vec<napi_value> = args.iter().map(|a| a.0).collect();
        out!(napi_call_function(
            self.0,
            this.0,
            func.0,
            argv.len(),
            argv.as_ptr()
        ))
        .map(JsValue)
    }
}

fn number_to_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_integers_exact_and_drop_non_finite() {
        assert_eq!(number_to_json(42.0), Value::from(42));
        assert_eq!(number_to_json(-0.5), Value::from(-0.5));
        assert_eq!(number_to_json(f64::NAN), Value::Null);
        assert_eq!(number_to_json(f64::INFINITY), Value::Null);
    }
}
