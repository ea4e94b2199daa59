//! The app database's tables, written by hand so that one schema serves all three backends.

diesel::table! {
    /// Tenants.
    organizations (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Members of organisations.
    users (id) {
        id -> Text,
        org_id -> Text,
        email -> Text,
        full_name -> Text,
        password_hash -> Text,
        role -> Text,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Refresh tokens, stored as SHA-256 hashes, grouped in rotation families.
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        org_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, users, refresh_tokens);

diesel::table! {
    /// Users' databases registered as sources; the URL (with password) is sealed.
    data_sources (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        kind -> Text,
        host -> Nullable<Text>,
        port -> Nullable<Integer>,
        database_name -> Nullable<Text>,
        username -> Nullable<Text>,
        sealed_url -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Saved virtual tables: a read-only query over a source.
    datamarts (id) {
        id -> Text,
        org_id -> Text,
        source_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        sql_text -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(datamarts -> data_sources (source_id));
diesel::allow_tables_to_appear_in_same_query!(data_sources, datamarts, organizations);
