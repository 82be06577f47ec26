//! Bytes written as lowercase hexadecimal, as digests are shown.

/// `bytes` as lowercase hexadecimal, two digits a byte.
///
/// ```
/// assert_eq!(jgt_core::hex::lower(&[0x00, 0xab, 0x7f]), "00ab7f");
/// ```
pub fn lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    text
}
