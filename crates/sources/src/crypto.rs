//! Credentials at rest: ChaCha20-Poly1305 with a key derived (HKDF-SHA256) from the server secret.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

use crate::SourceError;

/// Encrypts and decrypts connection URLs.
#[derive(Clone)]
pub struct CredentialCipher {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for CredentialCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialCipher(***)")
    }
}

impl CredentialCipher {
    /// Derives the key from the server secret.
    pub fn new(server_secret: &str) -> Result<Self, SourceError> {
        let hk = Hkdf::<Sha256>::new(Some(b"tessera"), server_secret.as_bytes());
        let mut key = [0u8; 32];
        hk.expand(b"data-source-credentials v1", &mut key)
            .map_err(|e| SourceError::Crypto(format!("key derivation: {e}")))?;
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    /// Encrypts with a fresh random nonce; answers base64(nonce || ciphertext).
    pub fn encrypt(&self, plaintext: &str) -> Result<String, SourceError> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| SourceError::Crypto("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// Decrypts what [`encrypt`](Self::encrypt) produced.
    pub fn decrypt(&self, sealed: &str) -> Result<String, SourceError> {
        let bad = || {
            SourceError::Crypto(
                "cannot decrypt stored credentials; was the secret key changed?".into(),
            )
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| bad())?;
        if raw.len() < 12 + 16 {
            return Err(bad());
        }
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| bad())?;
        String::from_utf8(pt).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let c = CredentialCipher::new("server-secret-0123456789").unwrap();
        let sealed = c.encrypt("postgres://u:hunter2@h/db").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_ne!(
            sealed,
            c.encrypt("postgres://u:hunter2@h/db").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(c.decrypt(&sealed).unwrap(), "postgres://u:hunter2@h/db");
    }

    #[test]
    fn another_secret_or_tampering_fails() {
        let c = CredentialCipher::new("server-secret-0123456789").unwrap();
        let sealed = c.encrypt("secret").unwrap();
        assert!(CredentialCipher::new("other-secret-0123456789")
            .unwrap()
            .decrypt(&sealed)
            .is_err());
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(&sealed)
            .unwrap();
        raw[13] ^= 1;
        assert!(c
            .decrypt(&base64::engine::general_purpose::STANDARD.encode(raw))
            .is_err());
        assert!(c.decrypt("not base64 !").is_err());
    }
}
