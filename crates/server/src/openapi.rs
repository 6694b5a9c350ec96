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
    json!({
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
            "/api/v1/audit": {"get": {"summary": "The audit log (admin)", "responses": responses(json!({"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}))}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OK"}}}}
        }
    })
}
