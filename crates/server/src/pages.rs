//! The pages' shared parts: the layout with its navigation, HTML escaping, the small script
//! the pages use, and the checks every page makes (signed in, role, CSRF on forms).

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};

use crate::{
    app::{AppState, Principal, principal},
    auth::{self, Role},
};

pub use levelfield_report::fmt::esc;

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#1a1a1a;line-height:1.45}\
.bar{background:#0b0c0c;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}\
.bar a{color:#fff}.bar form{margin-left:auto}.bar button{margin:0}\
main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}\
label{display:block;margin-top:.8rem;font-weight:bold}\
input,select,textarea{font-size:1rem;padding:.3rem;max-width:100%}\
textarea{width:100%;font-family:monospace}\
button{margin-top:.8rem;font-size:1rem;padding:.4rem 1rem;background:#0072B2;color:#fff;border:0;cursor:pointer}\
.error{color:#a00000;font-weight:bold}.ok{color:#006b3c;font-weight:bold}\
table.list{border-collapse:collapse;margin:1rem 0}table.list th,table.list td{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}\
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}.filters label{margin-top:0;min-width:0;max-width:100%}.filters select{width:100%}\
progress{width:20rem;height:1.2rem}";

/// The small script the pages load (`/static/app.js`): it follows a run's progress.
pub const SCRIPT: &str = r#"// levelfield: follows a run's progress on its page, then reloads it.
(function () {
  var el = document.querySelector('[data-run]');
  if (!el) { return; }
  var bar = el.querySelector('progress');
  var text = el.querySelector('[data-stage]');
  function poll() {
    fetch('/api/v1/runs/' + el.getAttribute('data-run'), { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        if (run.status === 'done' || run.status === 'failed') { location.reload(); return; }
        bar.max = run.total; bar.value = run.done;
        text.textContent = run.status === 'queued' ? 'Waiting for the worker' : run.stage;
        setTimeout(poll, 400);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"#;

/// A whole page: navigation for the signed-in user (if any), `title` as its one h1, `body`,
/// and `extra_style` (e.g. the report's) in the head.
pub fn layout(title: &str, who: Option<&Principal>, extra_style: &str, body: &str) -> String {
    let nav = match who {
        Some(p) => {
            let mut links = String::from("<a href=\"/\">Home</a><a href=\"/results\">Results</a>");
            if p.user.role >= Role::Analyst {
                links.push_str(
                    "<a href=\"/datasets\">Datasets</a><a href=\"/runs\">Run a profile</a>",
                );
            }
            links.push_str("<a href=\"/plans\">Action plans</a>");
            if p.user.role >= Role::Admin {
                links.push_str("<a href=\"/users\">Users</a>");
            }
            links.push_str("<a href=\"/tokens\">API tokens</a><a href=\"/password\">Password</a>");
            let csrf = p.csrf().unwrap_or_default();
            format!(
                "<nav class=\"bar\" aria-label=\"Main\"><strong>levelfield</strong>{links}<form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><span>{} ({}) </span><button type=\"submit\">Sign out</button></form></nav>",
                esc(csrf),
                esc(&p.user.username),
                p.user.role.as_str()
            )
        }
        None => "<header class=\"bar\"><strong>levelfield</strong></header>".to_string(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · levelfield</title><link rel=\"icon\" href=\"data:,\">\n<style>{STYLE}{extra_style}</style>\n<script src=\"/static/app.js\" defer></script></head>\n<body>\n{nav}\n<main id=\"main\">\n<h1>{}</h1>\n{body}\n</main>\n</body>\n</html>\n",
        esc(title),
        esc(title)
    )
}

/// A page with a status.
pub fn status_page(
    status: StatusCode,
    title: &str,
    who: Option<&Principal>,
    body: &str,
) -> Response {
    (status, Html(layout(title, who, "", body))).into_response()
}

// A page handler returns the `Err` response as it is; boxing it would only move the cost.
/// The signed-in user of a page with at least `role`: without a session the answer is a
/// redirect to the sign-in page, with too small a role a 403 page.
#[allow(clippy::result_large_err)]
pub fn signed_in(state: &AppState, headers: &HeaderMap, role: Role) -> Result<Principal, Response> {
    let p = match principal(state, headers) {
        Ok(Some(p)) => p,
        Ok(None) => return Err(Redirect::to("/signin").into_response()),
        Err(e) => return Err(e.into_response()),
    };
    if p.user.must_change_password {
        return Err(Redirect::to("/password").into_response());
    }
    if p.user.role < role {
        return Err(status_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            Some(&p),
            &format!(
                "<p>This page needs the {} role; you are signed in as {}. An administrator can change your role.</p>",
                role.as_str(),
                p.user.role.as_str()
            ),
        ));
    }
    Ok(p)
}

/// The signed-in user of a page open to every role (else the sign-in redirect).
pub struct Viewer(pub Principal);

/// The signed-in user of a page for analysts and admins (else the sign-in redirect or 403).
pub struct Analyst(pub Principal);

/// The signed-in user of a page for admins (else the sign-in redirect or 403).
pub struct Admin(pub Principal);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, Response> {
        signed_in(state, &parts.headers, Role::Admin).map(Admin)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        signed_in(state, &parts.headers, Role::Viewer).map(Viewer)
    }
}

impl FromRequestParts<AppState> for Analyst {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Analyst, Response> {
        signed_in(state, &parts.headers, Role::Analyst).map(Analyst)
    }
}

/// Checks a form's CSRF field against the session's token (a bearer-token request carries no
/// cookie to forge, so it needs none).
#[allow(clippy::result_large_err)]
pub fn check_csrf(p: &Principal, sent: &str) -> Result<(), Response> {
    match p.csrf() {
        Some(csrf) if !auth::same(sent, csrf) => Err(status_page(
            StatusCode::FORBIDDEN,
            "The form has expired",
            Some(p),
            "<p class=\"error\" role=\"alert\">The form has expired or came from elsewhere. Go back, reload the page and try again.</p>",
        )),
        _ => Ok(()),
    }
}

/// A hidden CSRF field for a form.
pub fn csrf_field(p: &Principal) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(p.csrf().unwrap_or_default())
    )
}

/// `GET /favicon.ico`: no icon. Pages served as files (the report) have no icon link, so
/// browsers ask for this one; an empty answer leaves no error in their console.
pub async fn no_icon() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}

/// `GET /static/app.js`.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// A date and time (UTC) from seconds since the epoch, as `2026-11-28 16:45`.
pub fn when(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(when(0), "1970-01-01 00:00");
        assert_eq!(when(951_782_400), "2000-02-29 00:00");
        assert_eq!(when(1_795_884_300), "2026-11-28 16:45");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
