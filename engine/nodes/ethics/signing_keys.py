"""The certificate and key that sign C2PA manifests.

C2PA refuses a self-signed signing certificate, so the local identity is a
small two-level chain: a local CA (EC P-256, basicConstraints CA) and a leaf
(EC P-256, key usage digitalSignature, extended key usage emailProtection)
issued by it. It is made once per user, stored in a folder and reused, so every
video a user renders is signed by the same certificate.

A local identity is honest about what it is: readers report the signature
valid but ``signingCredential.untrusted``, because no public trust list holds
our CA. Passing the CA as a trust anchor (``photoplay verify --trust ca.pem``)
makes it trusted for whoever chooses to trust it. A user with a real C2PA
certificate names it in the scene (``ethics.signing: {chain, key}``) and
``load_identity`` reads it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from engine.errors import AssetError

ENV_DIR = "PHOTOPLAY_SIGNING_DIR"
CHAIN_FILE = "chain.pem"  # leaf first, then the CA
KEY_FILE = "leaf.key"  # leaf private key, PKCS#8 PEM, 0600
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca.key"  # kept to issue a new leaf when this one expires, 0600
LEAF_YEARS = 10


@dataclass(frozen=True)
class Identity:
    """A signing identity: PEM text of the chain (leaf first), the leaf key, the CA.

    ca_pem is None for a user-supplied certificate whose root we were not given.
    """

    chain_pem: str
    key_pem: str
    ca_pem: str | None = None


def default_folder() -> Path:
    """$PHOTOPLAY_SIGNING_DIR, else ~/.local/share/photoplay/signing."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "photoplay" / "signing"


def local_signing_identity(folder: str | os.PathLike | None = None) -> tuple[str, str, str]:
    """The local signing identity: ``(chain_pem, key_pem, ca_pem)``, created on first use.

    folder: where the identity lives (default: ``default_folder()``). The first
        call writes ca.pem, ca.key, chain.pem and leaf.key there (keys 0600);
        later calls read them back, so signatures stay with one certificate.

    Raises AssetError when the folder cannot be created or the stored files are
    unreadable or do not belong together.
    """
    folder = Path(folder) if folder is not None else default_folder()
    paths = [folder / name for name in (CHAIN_FILE, KEY_FILE, CA_FILE)]
    if not all(p.exists() for p in paths):
        _create_once(folder)
    identity = load_identity(folder / CHAIN_FILE, folder / KEY_FILE)
    ca_pem = _read_text(folder / CA_FILE, "CA certificate")
    return identity.chain_pem, identity.key_pem, ca_pem


def local_identity(folder: str | os.PathLike | None = None) -> Identity:
    """``local_signing_identity`` as an Identity."""
    chain_pem, key_pem, ca_pem = local_signing_identity(folder)
    return Identity(chain_pem, key_pem, ca_pem)


def load_identity(chain_path: str | os.PathLike, key_path: str | os.PathLike) -> Identity:
    """Read a user's certificate chain (PEM, leaf first) and its private key (PEM).

    Checks that the chain parses, that it has an issuer certificate beside the
    leaf (C2PA refuses a lone self-signed leaf), that the key is an EC P-256
    key (we sign ES256), and that it belongs to the leaf.

    Raises AssetError with a hint for a missing, unreadable or mismatched file.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    chain_pem = _read_text(chain_path, "certificate chain")
    key_pem = _read_text(key_path, "signing key")
    try:
        certs = x509.load_pem_x509_certificates(chain_pem.encode())
    except ValueError as exc:
        raise AssetError(
            f"{chain_path} is not a PEM certificate chain: {exc}",
            hint="give the chain as PEM text, leaf certificate first",
        ) from None
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise AssetError(
            f"{key_path} is not an unencrypted PEM private key: {str(exc).splitlines()[0]}",
            hint="export the key as unencrypted PKCS#8 PEM",
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise AssetError(
            f"{key_path} is not an EC P-256 key",
            hint="Photoplay signs with ES256: use an EC P-256 (prime256v1) key",
        )
    leaf_public = (
        certs[0]
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key_public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if leaf_public != key_public:
        raise AssetError(
            f"{key_path} does not belong to the first certificate of {chain_path}",
            hint="put the signing (leaf) certificate first and give its own key",
        )
    if len(certs) < 2 and certs[0].issuer == certs[0].subject:
        raise AssetError(
            f"{chain_path} holds a lone self-signed certificate; C2PA refuses those",
            hint="issue the signing certificate from a CA and list the chain leaf first",
        )
    return Identity(chain_pem, key_pem, None)


def _read_text(path: str | os.PathLike, what: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii")
    except FileNotFoundError:
        raise AssetError(f"{what} not found: {path}", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise AssetError(
            f"cannot read {what} {path}: {reason}", hint="check the file and its permissions"
        ) from None


# ---------------------------------------------------------------- creation


def _create_once(folder: Path) -> None:
    """Create the identity under a file lock: parallel renders must not mix two sets."""
    from filelock import FileLock

    _make_folder(folder)
    with FileLock(str(folder / ".lock")):
        if not all((folder / n).exists() for n in (CHAIN_FILE, KEY_FILE, CA_FILE)):
            _create(folder)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise AssetError(
            f"cannot create signing folder {folder}: {exc.strerror or exc}",
            hint=f"set {ENV_DIR} to a writable folder",
        ) from None


def _create(folder: Path) -> None:
    """Make a local CA and a leaf it issues; write the four PEM files atomically."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=1)  # tolerate clocks a little behind
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    user = os.environ.get("USER") or "user"
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Photoplay local signing"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Photoplay local CA ({user})"),
        ]
    )
    leaf_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Photoplay local signing"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Photoplay renderer ({user})"),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * (LEAF_YEARS + 10)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * LEAF_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # C2PA's certificate profile accepts only a few EKUs; emailProtection is one.
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def pem_key(key) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    leaf_pem = leaf.public_bytes(serialization.Encoding.PEM)
    # Keys first, the chain last: chain.pem existing means the set is complete.
    _write_atomic(folder / CA_KEY_FILE, pem_key(ca_key), 0o600)
    _write_atomic(folder / KEY_FILE, pem_key(leaf_key), 0o600)
    _write_atomic(folder / CA_FILE, ca_pem, 0o644)
    _write_atomic(folder / CHAIN_FILE, leaf_pem + ca_pem, 0o644)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temp file created with ``mode`` beside ``path``, then rename."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)  # the umask may have narrowed it; never widen a key past 0600
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise AssetError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint=f"set {ENV_DIR} to a writable folder",
        ) from None
