//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`.

use serde_json::{Value, json};

/// The document. Kept beside the routes in `app.rs`; a test checks every API route is in it.
pub fn document() -> Value {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let user = json!({"$ref": "#/components/schemas/User"});
    let responses = |ok: Value| {
        json!({
            "200": {"description": "OK", "content": {"application/json": {"schema": ok}}},
            "401": {"description": "Not signed in", "content": {"application/json": {"schema": error}}},
            "403": {"description": "Wrong role, or a missing CSRF token with a session cookie", "content": {"application/json": {"schema": error}}}
        })
    };
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "levelfield API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Mental health equality profiles. Authenticate with `Authorization: Bearer <token>` from POST /api/v1/tokens, or a session cookie plus `X-CSRF-Token` on state-changing requests. Viewers see disclosure-controlled results only."
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "lf_session"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "User": {"type": "object", "required": ["id", "username", "role"], "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "role": {"type": "string", "enum": ["viewer", "analyst", "admin"]}
                }},
                "Dataset": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "format": {"type": "string"},
                    "rows": {"type": "integer"}, "bytes": {"type": "integer"},
                    "report": {"$ref": "#/components/schemas/Validation"},
                    "uploaded_by": {"type": "string"}, "created_at": {"type": "integer"}
                }},
                "Validation": {"type": "object", "properties": {
                    "name": {"type": "string"}, "format": {"type": "string"}, "rows": {"type": "integer"},
                    "kind": {"type": "string", "enum": ["events", "population", "counts", "table"]},
                    "columns": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "kind": {"type": "string"}, "missing": {"type": "integer"},
                        "distinct": {"type": "integer"}, "examples": {"type": "array", "items": {"type": "string"}}
                    }}},
                    "errors": {"type": "array", "items": {"type": "string"}},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                    "stored": {"type": "boolean"}, "dataset_id": {"type": ["integer", "null"]}
                }},
                "Run": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "spec": {"type": "string"},
                    "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                    "message": {"type": "string"}, "stage": {"type": "string"},
                    "done": {"type": "integer"}, "total": {"type": "integer"},
                    "bindings": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "started_by": {"type": "string"}, "created_at": {"type": "integer"}, "finished_at": {"type": ["integer", "null"]}
                }},
                "Plan": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}, "run_id": {"type": ["integer", "null"]},
                    "indicator_id": {"type": "string"}, "area_code": {"type": "string"}, "dimension": {"type": "string"},
                    "group": {"type": "string"}, "kind": {"type": "string"}, "measure": {"type": "string"}, "direction": {"type": "string"},
                    "baseline": {"type": ["number", "null"]}, "target": {"type": "number"},
                    "target_period": {"type": "string"}, "owner": {"type": "string"},
                    "status": {"type": "string", "enum": crate::catalogue::PLAN_STATUSES}, "notes": {"type": "string"}, "updated_at": {"type": "integer"}
                }},
                "AuditEntry": {"type": "object", "properties": {
                    "at": {"type": "integer", "description": "Unix seconds"},
                    "user_id": {"type": ["integer", "null"]},
                    "action": {"type": "string"},
                    "detail": {"type": "string"}
                }}
            }
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/v1/tokens": {"post": {
                "summary": "Make a bearer token from a username and password (rate-limited)",
                "security": [],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}, "name": {"type": "string"}}
                }}}},
                "responses": {
                    "201": {"description": "Created", "content": {"application/json": {"schema": {"type": "object", "properties": {"token": {"type": "string"}, "username": {"type": "string"}, "role": {"type": "string"}}}}}},
                    "401": {"description": "Wrong username or password", "content": {"application/json": {"schema": error}}},
                    "429": {"description": "Too many failed sign-ins", "content": {"application/json": {"schema": error}}}
                }
            }},
            "/api/v1/me": {"get": {"summary": "The signed-in user", "responses": responses(user.clone())}},
            "/api/v1/users": {
                "get": {"summary": "Every user (admin)", "responses": responses(json!({"type": "array", "items": user}))},
                "post": {
                    "summary": "Add a user (admin)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["username", "password", "role"],
                        "properties": {"username": {"type": "string"}, "password": {"type": "string", "minLength": 12}, "role": {"type": "string", "enum": ["viewer", "analyst", "admin"]}}
                    }}}},
                    "responses": {
                        "201": {"description": "Created", "content": {"application/json": {"schema": user}}},
                        "401": {"description": "Not signed in"},
                        "403": {"description": "Not an admin, or a missing CSRF token"},
                        "409": {"description": "Username taken"},
                        "422": {"description": "Invalid username, password or role"}
                    }
                }
            },
            "/api/v1/datasets": {
                "get": {"summary": "Every uploaded dataset, with its validation report (analyst)", "responses": responses(json!({"type": "array", "items": {"$ref": "#/components/schemas/Dataset"}}))},
                "post": {
                    "summary": "Upload a dataset (analyst): the file as the body with ?name=, or multipart/form-data with a `file` part. It is checked first; only a file without errors is stored, as Parquet. ?check_only=true checks without storing.",
                    "parameters": [
                        {"name": "name", "in": "query", "schema": {"type": "string"}, "description": "The file's name, ending .csv, .parquet or .xlsx (body uploads)"},
                        {"name": "check_only", "in": "query", "schema": {"type": "boolean"}}
                    ],
                    "requestBody": {"required": true, "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}
                    }},
                    "responses": {
                        "201": {"description": "Checked and stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Validation"}}}},
                        "200": {"description": "Checked only", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Validation"}}}},
                        "401": {"description": "Not signed in"},
                        "403": {"description": "Not an analyst, or a missing CSRF token"},
                        "413": {"description": "Larger than the server's upload limit"},
                        "422": {"description": "The file has errors (the report says which) or no usable name", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Validation"}}}}
                    }
                }
            },
            "/api/v1/datasets/{id}": {"get": {"summary": "One dataset (analyst)", "parameters": [id_param.clone()], "responses": responses(json!({"$ref": "#/components/schemas/Dataset"}))}},
            "/api/v1/runs": {
                "get": {"summary": "Every run", "responses": responses(json!({"type": "array", "items": {"$ref": "#/components/schemas/Run"}}))},
                "post": {
                    "summary": "Start a profile run (analyst): a built-in spec by name or a spec's TOML, with the dataset bound to each file it reads (a role left out binds to the newest dataset of the name the spec gives)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "string", "enum": ["pcref", "triple-barrier"]},
                            "toml": {"type": "string"},
                            "datasets": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Dataset id by file role: events, counts, population, area names, LSOA lookup"}
                        }
                    }}}},
                    "responses": {
                        "202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                        "401": {"description": "Not signed in"},
                        "403": {"description": "Not an analyst, or a missing CSRF token"},
                        "422": {"description": "The spec does not parse, or a file it reads is not bound to a dataset"}
                    }
                }
            },
            "/api/v1/runs/{id}": {"get": {"summary": "A run's status and progress (stages done of total)", "parameters": [id_param.clone()], "responses": responses(json!({"$ref": "#/components/schemas/Run"}))}},
            "/api/v1/results/{id}": {"get": {"summary": "A finished run's metadata (profile.json)", "parameters": [id_param.clone()], "responses": responses(json!({"type": "object"}))}},
            "/api/v1/results/{id}/{table}": {"get": {
                "summary": "One of a finished run's disclosure-controlled tables as JSON rows",
                "parameters": [id_param.clone(), {"name": "table", "in": "path", "required": true, "schema": {"type": "string", "enum": ["estimates", "comparisons", "inequality", "trends", "data_quality"]}}],
                "responses": responses(json!({"type": "array", "items": {"type": "object"}}))
            }},
            "/api/v1/plans": {
                "get": {"summary": "Every action plan", "responses": responses(json!({"type": "array", "items": {"$ref": "#/components/schemas/Plan"}}))},
                "post": {
                    "summary": "Add an action plan (analyst)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["title", "indicator_id", "target_period", "owner"],
                        "properties": {
                            "title": {"type": "string"}, "run_id": {"type": "integer"}, "indicator_id": {"type": "string"},
                            "kind": {"type": "string", "enum": ["level", "gap", "direction"], "default": "level"},
                            "measure": {"type": "string", "enum": ["ratio", "difference"], "description": "gaps and narrowing: to the reference group"},
                            "direction": {"type": "string", "enum": ["decreasing", "increasing", "narrowing"]},
                            "area_code": {"type": "string"}, "dimension": {"type": "string"}, "group": {"type": "string"},
                            "baseline": {"type": "number"}, "target": {"type": "number"}, "target_period": {"type": "string"}, "owner": {"type": "string"}
                        }
                    }}}},
                    "responses": {
                        "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
                        "401": {"description": "Not signed in"},
                        "403": {"description": "Not an analyst, or a missing CSRF token"},
                        "422": {"description": "A field is missing or invalid"}
                    }
                }
            },
            "/api/v1/plans/{id}": {
                "get": {"summary": "One action plan", "parameters": [id_param.clone()], "responses": responses(json!({"$ref": "#/components/schemas/Plan"}))},
                "patch": {
                    "summary": "Set a plan's status and notes (analyst)",
                    "parameters": [id_param],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["status"],
                        "properties": {"status": {"type": "string", "enum": crate::catalogue::PLAN_STATUSES}, "notes": {"type": "string"}}
                    }}}},
                    "responses": responses(json!({"$ref": "#/components/schemas/Plan"}))
                }
            },
            "/api/v1/audit": {"get": {"summary": "The audit log (admin)", "responses": responses(json!({"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}))}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OK"}}}}
        }
    });
    lifecycle(&mut doc);
    doc
}

/// The account lifecycle's and the paged tables' parts of the document (a `json!` of their
/// own: one literal would be too deep for the macro).
fn lifecycle(doc: &mut Value) {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let user = json!({"$ref": "#/components/schemas/User"});
    let responses = |ok: Value| {
        json!({
            "200": {"description": "OK", "content": {"application/json": {"schema": ok}}},
            "401": {"description": "Not signed in", "content": {"application/json": {"schema": error}}}
        })
    };
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let token = json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "created_at": {"type": "integer"},
        "expires_at": {"type": "integer"}, "revoked": {"type": "boolean"}
    }});
    let paths = &mut doc["paths"];
    paths["/api/v1/tokens"]["get"] = json!({
        "summary": "Your own API tokens (never the tokens themselves), newest first",
        "responses": responses(json!({"type": "array", "items": token}))
    });
    paths["/api/v1/tokens"]["post"]["responses"]["503"] = json!({"description": "Too many password checks at once; Retry-After says when to try again", "content": {"application/json": {"schema": error}}});
    paths["/api/v1/tokens/{id}"] = json!({"delete": {
        "summary": "Revoke one of your tokens (admins: anyone's)",
        "parameters": [id_param.clone()],
        "responses": {"204": {"description": "Revoked"}, "404": {"description": "You have no such token", "content": {"application/json": {"schema": error}}}}
    }});
    paths["/api/v1/me/password"] = json!({"post": {
        "summary": "Change your password; every token of yours is revoked and your other sessions end",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["current", "new"],
            "properties": {"current": {"type": "string"}, "new": {"type": "string", "minLength": 12}}
        }}}},
        "responses": {"204": {"description": "Changed"}, "403": {"description": "The current password is wrong"}, "422": {"description": "The new password is not acceptable"}}
    }});
    paths["/api/v1/users/{id}"] = json!({"patch": {
        "summary": "Change a user's role, or disable or enable them (admin); disabling ends their sessions and revokes their tokens",
        "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {"role": {"type": "string", "enum": ["viewer", "analyst", "admin"]}, "disabled": {"type": "boolean"}}
        }}}},
        "responses": {"200": {"description": "Changed", "content": {"application/json": {"schema": user}}}, "404": {"description": "No such user"}, "409": {"description": "It would leave no enabled admin"}}
    }});
    paths["/api/v1/users/{id}/password"] = json!({"post": {
        "summary": "Reset a user's password (admin): they must change it at their next sign-in; their tokens are revoked and sessions end",
        "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["password"], "properties": {"password": {"type": "string", "minLength": 12}}
        }}}},
        "responses": {"200": {"description": "Reset", "content": {"application/json": {"schema": user}}}, "404": {"description": "No such user"}}
    }});
    paths["/api/v1/datasets/{id}"]["delete"] = json!({
        "summary": "Delete a dataset (admin): its record-level file goes; runs that used it keep their results",
        "parameters": [id_param],
        "responses": {"204": {"description": "Deleted"}, "404": {"description": "No such dataset"}}
    });
    let table = &mut paths["/api/v1/results/{id}/{table}"]["get"];
    table["summary"] = json!(
        "A page of one of a finished run's disclosure-controlled tables as JSON rows, filtered; X-Total-Count gives the rows that pass the filters and Link (rel=\"next\") the next page"
    );
    if let Some(params) = table["parameters"].as_array_mut() {
        for (name, kind, what) in [
            ("indicator", "string", "indicator_id"),
            ("area", "string", "area_code"),
            ("period", "string", "period"),
            ("dimension", "string", "dimension"),
            (
                "limit",
                "integer",
                "rows per page: 1 to 10000, default 1000",
            ),
            ("offset", "integer", "rows to skip"),
        ] {
            params.push(
                json!({"name": name, "in": "query", "schema": {"type": kind}, "description": what}),
            );
        }
    }
}
