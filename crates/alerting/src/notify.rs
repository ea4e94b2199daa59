//! What a notification says, per channel: the standard webhook body (or the channel's template
//! filled in), and the email's subject, text and HTML parts with the rule, the value, the
//! threshold, the recent values as a small table and a link. Used for deliveries and for the
//! previews `POST /alerts/{id}/test` answers.

use serde::Serialize;
use serde_json::{json, Value as Json};
use tessera_domain::alerts::rule::{Notice, RuleState};

use crate::deliver::Email;
use crate::spec::Channel;

/// Everything a notification can say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// The rule's id.
    pub rule_id: i64,
    /// The rule's name.
    pub rule_name: String,
    /// firing or resolved.
    pub notice: &'static str,
    /// The state before.
    pub previous_state: &'static str,
    /// The state now.
    pub state: &'static str,
    /// The value found.
    pub value: Option<f64>,
    /// The condition (JSON as stored).
    pub condition: Json,
    /// The condition in words.
    pub threshold: String,
    /// When it was evaluated (RFC 3339, UTC).
    pub evaluated_at: String,
    /// The last values, oldest first: `[time, value]`.
    pub recent_values: Vec<(String, f64)>,
    /// A link to the rule.
    pub link: String,
}

impl Notification {
    /// A notification about rule `rule_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rule_id: i64,
        rule_name: &str,
        notice: Notice,
        from: RuleState,
        to: RuleState,
        value: Option<f64>,
        condition: Json,
        evaluated_at: chrono::NaiveDateTime,
        recent_values: Vec<(String, f64)>,
        public_url: &str,
    ) -> Self {
        Self {
            rule_id,
            rule_name: rule_name.to_owned(),
            notice: notice.as_str(),
            previous_state: from.as_str(),
            state: to.as_str(),
            value,
            threshold: threshold_words(&condition),
            condition,
            evaluated_at: rfc3339(evaluated_at),
            recent_values,
            link: format!(
                "{}/api/v1/alerts/{rule_id}",
                public_url.trim_end_matches('/')
            ),
        }
    }

    /// One sentence.
    pub fn message(&self) -> String {
        let value = self
            .value
            .map(fmt_number)
            .unwrap_or_else(|| "no value".into());
        match self.notice {
            "firing" => format!(
                "Alert \"{}\" is firing: the value is {value}, {}.",
                self.rule_name, self.threshold
            ),
            _ => format!(
                "Alert \"{}\" is resolved: the value is {value}, no longer {}.",
                self.rule_name, self.threshold
            ),
        }
    }

    /// The standard webhook body.
    pub fn webhook_body(&self) -> Json {
        json!({
            "event": format!("alert.{}", self.notice),
            "rule": {"id": self.rule_id, "name": self.rule_name},
            "state": self.state,
            "previous_state": self.previous_state,
            "value": self.value,
            "condition": self.condition,
            "threshold": self.threshold,
            "message": self.message(),
            "evaluated_at": self.evaluated_at,
            "recent_values": self.recent_values.iter().map(|(t, v)| json!({"at": t, "value": v})).collect::<Vec<_>>(),
            "link": self.link,
        })
    }

    fn placeholder(&self, name: &str) -> Option<String> {
        Some(match name {
            "rule" | "rule_name" => self.rule_name.clone(),
            "rule_id" => self.rule_id.to_string(),
            "notice" | "event" => self.notice.to_owned(),
            "state" => self.state.to_owned(),
            "previous_state" => self.previous_state.to_owned(),
            "value" => self.value.map(fmt_number).unwrap_or_default(),
            "threshold" => self.threshold.clone(),
            "message" => self.message(),
            "evaluated_at" => self.evaluated_at.clone(),
            "link" => self.link.clone(),
            _ => return None,
        })
    }

    /// Fills `{{placeholder}}`s in `text` (unknown ones stay as written).
    fn fill(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find("}}") {
                Some(end) => {
                    let name = after[..end].trim();
                    match self.placeholder(name) {
                        Some(v) => out.push_str(&v),
                        None => out.push_str(&rest[start..start + 2 + end + 2]),
                    }
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A webhook channel's body and content type: the template filled in (a JSON template's
    /// strings are filled, so values never break its JSON; a text template is sent as text),
    /// or the standard body.
    pub fn webhook_payload(&self, template: Option<&Json>) -> (Vec<u8>, &'static str) {
        fn walk(n: &Notification, v: &Json) -> Json {
            match v {
                Json::String(s) => Json::String(n.fill(s)),
                Json::Array(a) => Json::Array(a.iter().map(|x| walk(n, x)).collect()),
                Json::Object(o) => {
                    Json::Object(o.iter().map(|(k, x)| (k.clone(), walk(n, x))).collect())
                }
                other => other.clone(),
            }
        }
        match template {
            Some(Json::String(text)) => (self.fill(text).into_bytes(), "text/plain; charset=utf-8"),
            Some(t) => (walk(self, t).to_string().into_bytes(), "application/json"),
            None => (
                self.webhook_body().to_string().into_bytes(),
                "application/json",
            ),
        }
    }

    /// The email to `to`.
    pub fn email(&self, to: &[String]) -> Email {
        let value = self
            .value
            .map(fmt_number)
            .unwrap_or_else(|| "no value".into());
        let subject = format!(
            "[Tessera] {}: {} (value {value})",
            self.notice.to_uppercase(),
            self.rule_name
        );
        let mut text = format!(
            "{}\n\nRule: {}\nState: {} (was {})\nValue: {value}\nThreshold: {}\nEvaluated at: {}\n",
            self.message(),
            self.rule_name,
            self.state,
            self.previous_state,
            self.threshold,
            self.evaluated_at
        );
        if !self.recent_values.is_empty() {
            text.push_str("\nRecent values:\n");
            for (t, v) in &self.recent_values {
                text.push_str(&format!("  {t}  {}\n", fmt_number(*v)));
            }
        }
        text.push_str(&format!("\nOpen the rule: {}\n", self.link));
        let rows: String = self
            .recent_values
            .iter()
            .map(|(t, v)| {
                format!(
                    "<tr><td style=\"padding:2px 8px\">{}</td><td style=\"padding:2px 8px;text-align:right\">{}</td></tr>",
                    esc(t),
                    fmt_number(*v)
                )
            })
            .collect();
        let colour = if self.notice == "firing" {
            "#b42318"
        } else {
            "#027a48"
        };
        let chart = self.recent_chart().unwrap_or_default();
        let html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\">\
<h2 style=\"color:{colour}\">{}: {}</h2><p>{}</p>\
<table><tr><th align=\"left\">Rule</th><td>{}</td></tr><tr><th align=\"left\">State</th><td>{} (was {})</td></tr>\
<tr><th align=\"left\">Value</th><td>{}</td></tr><tr><th align=\"left\">Threshold</th><td>{}</td></tr>\
<tr><th align=\"left\">Evaluated at</th><td>{}</td></tr></table>\
{}{}<p><a href=\"{}\">Open the rule</a></p></body></html>",
            esc(&self.notice.to_uppercase()),
            esc(&self.rule_name),
            esc(&self.message()),
            esc(&self.rule_name),
            esc(self.state),
            esc(self.previous_state),
            esc(&value),
            esc(&self.threshold),
            esc(&self.evaluated_at),
            chart,
            if rows.is_empty() {
                String::new()
            } else {
                format!("<h3>Recent values</h3><table><tr><th>Time</th><th>Value</th></tr>{rows}</table>")
            },
            esc(&self.link),
        );
        Email {
            to: to.to_vec(),
            subject,
            text,
            html,
        }
    }

    /// The recent values as a small inline SVG line (none below two values); mail clients that
    /// do not draw SVG still have the table beside it.
    fn recent_chart(&self) -> Option<String> {
        use tessera_analytics::render::{svg, Column, Drawing, Role, Theme};
        if self.recent_values.len() < 2 {
            return None;
        }
        let columns = [
            Column {
                name: "at".into(),
                role: Role::Time,
            },
            Column {
                name: "value".into(),
                role: Role::Measure,
            },
        ];
        let rows: Vec<serde_json::Map<String, Json>> = self
            .recent_values
            .iter()
            .map(|(t, v)| {
                let mut r = serde_json::Map::new();
                // HH:MM of the RFC 3339 time keeps the axis readable
                r.insert("at".into(), json!(t.get(11..16).unwrap_or(t)));
                r.insert("value".into(), json!(v));
                r
            })
            .collect();
        let d = Drawing {
            title: "Recent values",
            chart_type: "line",
            columns: &columns,
            rows: &rows,
        };
        Some(svg(&d, &Theme::default(), 480, 160))
    }

    /// What `channel` would send, for previews.
    pub fn preview(&self, channel: &Channel) -> Json {
        match channel {
            Channel::Email { to } => {
                let e = self.email(to);
                json!({"type": "email", "to": e.to, "subject": e.subject, "text": e.text, "html": e.html})
            }
            Channel::Webhook {
                url,
                sealed_secret,
                template,
            } => {
                let (body, content_type) = self.webhook_payload(template.as_ref());
                let body = String::from_utf8_lossy(&body).into_owned();
                let parsed: Json = serde_json::from_str(&body).unwrap_or(Json::String(body));
                json!({"type": "webhook", "url": url, "content_type": content_type, "body": parsed, "signed": sealed_secret.is_some()})
            }
        }
    }
}

/// The condition in words (`above 1000`, `outside 10 to 20`, `changed by more than 5%`).
pub fn threshold_words(condition: &Json) -> String {
    let n = |k: &str| {
        condition
            .get(k)
            .and_then(Json::as_f64)
            .map(fmt_number)
            .unwrap_or_default()
    };
    match condition
        .get("op")
        .and_then(Json::as_str)
        .unwrap_or_default()
    {
        "above" => format!("above {}", n("value")),
        "below" => format!("below {}", n("value")),
        "outside" => format!("outside {} to {}", n("low"), n("high")),
        "inside" => format!("inside {} to {}", n("low"), n("high")),
        "change_pct" => format!(
            "changed by more than {}% against the {}",
            n("value"),
            condition
                .get("against")
                .and_then(Json::as_str)
                .unwrap_or("previous_evaluation")
                .replace('_', " ")
        ),
        other => other.to_owned(),
    }
}

/// A number as people read it: integers without a fraction, others to 4 significant decimals.
pub fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note() -> Notification {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .unwrap();
        Notification::new(
            7,
            "Revenue <above> plan",
            Notice::Firing,
            RuleState::Ok,
            RuleState::Firing,
            Some(1234.5),
            json!({"op": "above", "value": 1000.0}),
            at,
            vec![("2026-12-05T07:55:00Z".into(), 900.0)],
            "https://tessera.example/",
        )
    }

    #[test]
    fn templates_fill_placeholders_without_breaking_json() {
        let n = note();
        let (body, ct) = n.webhook_payload(Some(
            &json!({"to": "+4915", "text": "{{message}} {{ value }} {{unknown}}"}),
        ));
        assert_eq!(ct, "application/json");
        let v: Json = serde_json::from_slice(&body).unwrap();
        let text = v["text"].as_str().unwrap();
        assert!(
            text.contains("\"Revenue <above> plan\" is firing"),
            "{text}"
        );
        assert!(text.contains("1234.5 {{unknown}}"), "{text}");
        let (body, ct) = n.webhook_payload(Some(&json!("ALERT {{rule}}={{value}}")));
        assert_eq!(ct, "text/plain; charset=utf-8");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "ALERT Revenue <above> plan=1234.5"
        );
        let (body, _) = n.webhook_payload(None);
        let v: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["event"], "alert.firing");
        assert_eq!(v["value"], 1234.5);
        assert_eq!(v["link"], "https://tessera.example/api/v1/alerts/7");
    }

    #[test]
    fn emails_carry_both_parts_escaped() {
        let e = note().email(&["ops@example.com".into()]);
        assert_eq!(
            e.subject,
            "[Tessera] FIRING: Revenue <above> plan (value 1234.5)"
        );
        assert!(e.text.contains("Threshold: above 1000"));
        assert!(e.text.contains("2026-12-05T07:55:00Z  900"));
        assert!(e.html.contains("Revenue &lt;above&gt; plan"));
        assert!(!e.html.contains("<above>"));
        assert!(!e.html.contains("<svg"), "one value draws no line");
        let mut n = note();
        n.recent_values
            .push(("2026-12-05T08:00:00Z".into(), 1234.5));
        let e = n.email(&["ops@example.com".into()]);
        assert!(
            e.html.contains("<svg") && e.html.contains("<polyline"),
            "recent values as a line"
        );
        assert_eq!(fmt_number(2.0), "2");
        assert_eq!(fmt_number(2.50), "2.5");
    }
}
