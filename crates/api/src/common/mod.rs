//! What several areas of the HTTP layer share and no lower crate owns.

use std::str::FromStr;

use crate::error::{ApiError, ApiResult};

/// An id taken from a request path: a malformed one names nothing, so it is a 404 like an
/// unknown one ("no `what` with id '...'"), never a 400 that would tell the two apart.
pub fn path_id<T: FromStr>(what: &str, id: &str) -> ApiResult<T> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no {what} with id '{id}'")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::DatasetId;

    #[test]
    fn a_malformed_path_id_is_not_found_naming_what() {
        let err = path_id::<DatasetId>("dataset", "nope").unwrap_err();
        assert!(matches!(&err, ApiError::NotFound(m) if m == "no dataset with id 'nope'"));
        let id = DatasetId::new();
        assert_eq!(
            path_id::<DatasetId>("dataset", &id.to_string()).unwrap(),
            id
        );
    }
}
