"""The storage interface on both backends: local directory, and S3 against moto's server started here."""
from __future__ import annotations

import hashlib
import io
import socket

import boto3
import pytest

from accredit.evidence import services
from accredit.evidence.errors import FileRefused, FileTooLarge
from accredit.evidence.storage import LocalStorage, S3Storage, blob_path, get_storage
from accredit.extensions import db
from tests.evidence import samples
from tests.evidence.conftest import temp_files

DATA = b"%PDF-1.4\n" + b"evidence " * 10_000 + b"\n%%EOF\n"
SHA = hashlib.sha256(DATA).hexdigest()
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "eu-west-2"}


def test_blob_path_is_two_levels_of_the_hash():
    assert blob_path(SHA) == f"{SHA[:2]}/{SHA[2:4]}/{SHA}"


@pytest.mark.parametrize("bad", ["../../etc/passwd", SHA.upper(), SHA[:63], SHA + "0"])
def test_blob_path_refuses_anything_but_a_hash(bad):
    with pytest.raises(ValueError):
        blob_path(bad)


def test_local_put_open_exists_delete(tmp_path):
    storage = LocalStorage(tmp_path / "evidence")
    blob = storage.put(io.BytesIO(DATA), max_bytes=len(DATA))
    assert (blob.sha256, blob.size, storage.exists(SHA)) == (SHA, len(DATA), True)
    with storage.open(SHA) as stream:
        assert stream.read() == DATA
    storage.delete(SHA)
    assert (storage.exists(SHA), temp_files(tmp_path / "evidence")) == (False, [])


def test_local_put_past_limit_or_failed_check_stores_nothing(tmp_path):
    storage = LocalStorage(tmp_path / "evidence")

    def refuse(path):
        raise FileRefused("no")

    with pytest.raises(FileTooLarge):
        storage.put(io.BytesIO(DATA), max_bytes=len(DATA) - 1)
    with pytest.raises(FileRefused):
        storage.put(io.BytesIO(DATA), max_bytes=len(DATA), check=refuse)
    assert (storage.exists(SHA), temp_files(tmp_path / "evidence")) == (False, [])


def test_get_storage_refuses_evidence_dir_inside_static(app):
    app.config["EVIDENCE_DIR"] = app.static_folder + "/evidence"
    with pytest.raises(RuntimeError, match="outside static"):
        get_storage()


# --- S3, against moto's server on a free local port -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, request) -> str:
    name = f"evidence-{abs(hash(request.node.nodeid)) % 10**8}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    return name


def _client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)


def test_s3_put_open_exists_delete(s3_endpoint, bucket, tmp_path):
    client = _client(s3_endpoint)
    storage = S3Storage(bucket, client, spool_dir=tmp_path / "spool")
    assert storage.exists(SHA) is False
    blob = storage.put(io.BytesIO(DATA), max_bytes=len(DATA))
    again = storage.put(io.BytesIO(DATA), max_bytes=len(DATA))
    assert (blob.sha256, again.sha256, storage.exists(SHA)) == (SHA, SHA, True)
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [blob_path(SHA)]
    stream = storage.open(SHA)
    assert stream.read() == DATA
    stream.close()
    storage.delete(SHA)
    assert (storage.exists(SHA), sorted(p.name for p in (tmp_path / "spool").iterdir())) == (False, [])


def test_s3_refused_upload_never_reaches_the_bucket(s3_endpoint, bucket, tmp_path):
    client = _client(s3_endpoint)
    storage = S3Storage(bucket, client, spool_dir=tmp_path / "spool")
    with pytest.raises(FileTooLarge):
        storage.put(io.BytesIO(DATA), max_bytes=100)
    assert (client.list_objects_v2(Bucket=bucket)["KeyCount"], list((tmp_path / "spool").iterdir())) == (0, [])


def test_s3_backend_from_config_serves_upload_and_download(app, client, auth, library, s3_endpoint, bucket,
                                                           monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    app.config.update(EVIDENCE_STORAGE="s3", S3_BUCKET=bucket, S3_ENDPOINT_URL=s3_endpoint, S3_REGION="eu-west-2")
    storage = get_storage()
    evidence = services.upload_evidence(library.team, io.BytesIO(samples.pdf()), filename="audit.pdf",
                                        title="Audit", review_by=None, by=library.member)
    db.session.commit()
    auth.login(library.member)
    response = client.get(f"/evidence/{evidence.id}/download")
    assert (type(storage).__name__, response.status_code, response.get_data()) == ("S3Storage", 200, samples.pdf())
    assert storage.exists(hashlib.sha256(samples.pdf()).hexdigest()) is True
    assert app.config["EVIDENCE_DIR"].exists() is False  # nothing went to the local directory
