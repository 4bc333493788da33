"""Status providers (SQLite, HTTP against a fake one-stop system on 127.0.0.1) and the ownership check."""

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.services.dossier_status import (
    MAX_FAILURES_PER_CONVERSATION,
    MAX_FAILURES_PER_DOSSIER,
    DossierLookup,
    HttpStatusProvider,
    Outcome,
    ProviderUnavailable,
    SQLiteStatusProvider,
    describe,
    make_provider,
)
from bot.services.records import CitizenRecords
from tests.store_backends import table_dump


@pytest.fixture
def database_url(store_backend: str | None) -> str | None:
    """Every test here runs on the SQLite file and on PostgreSQL."""
    return store_backend


DEMO_CODE = "000.00.04.H51-261118-0002"  # knowledge_base/demo_dossiers.csv, phone ending 0222


def test_the_demo_set_is_there_only_when_asked(fresh_store) -> None:
    assert SQLiteStatusProvider(fresh_store).find(DEMO_CODE) is None
    dossier = SQLiteStatusProvider(fresh_store, demo=True).find(DEMO_CODE.lower())
    assert dossier is not None and dossier.status == "Đang xử lý" and dossier.phone_last4 == "0222"
    assert dossier.received_on == date(2026, 11, 18) and dossier.current_agency == "Công an xã Thống Nhất"
    assert SQLiteStatusProvider(fresh_store).find("000.00.04.H51-000000-0000") is None


def test_csv_exports_load_and_keep_only_four_phone_digits(fresh_store, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "code,procedure_name,status,received_on,due_on,current_agency,phone\n"
        "000.00.09.H30-261120-0077,Đăng ký khai tử,Đang xử lý,20/11/2026,2026-11-21,UBND xã,0912 345 678\n",
        encoding="utf-8",
    )
    provider = SQLiteStatusProvider(fresh_store)
    assert provider.load_csv(export) == 1
    dossier = provider.find("000.00.09.H30-261120-0077")
    assert dossier is not None and dossier.phone_last4 == "5678" and dossier.received_on == date(2026, 11, 20)
    assert "0912345678" not in table_dump(provider.database).replace(" ", "")


def test_a_bad_csv_row_is_named_and_nothing_is_written(fresh_store, tmp_path: Path) -> None:
    export = tmp_path / "bad.csv"
    export.write_text(
        "code,status,phone\n"
        "000.00.09.H30-261120-0078,Đang xử lý,0912345678\n"
        "000.00.09.H30-261120-0079,,0912\n",
        encoding="utf-8",
    )
    provider = SQLiteStatusProvider(fresh_store)
    with pytest.raises(ConfigurationError, match=r"bad.csv:3"):
        provider.load_csv(export)
    assert provider.find("000.00.09.H30-261120-0078") is None


class OneStopHandler(BaseHTTPRequestHandler):
    """A province one-stop system's dossier API as the HTTP provider expects it (Vietnamese field names)."""

    dossiers = {
        "000.00.11.H30-261105-0042": {
            "MaHoSo": "000.00.11.H30-261105-0042", "TenThuTuc": "Cấp giấy phép xây dựng",
            "TrangThai": "Cần bổ sung hồ sơ", "NgayTiepNhan": "05/11/2026", "NgayHenTra": "19/11/2026",
            "DonViXuLy": "Phòng Kinh tế - Hạ tầng", "ChuHoSo": {"SoDienThoai": "0345000333"},
        }
    }  # fmt: skip
    seen_headers: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        OneStopHandler.seen_headers.append(self.headers.get("Authorization", ""))
        code = self.path.rsplit("/", 1)[-1]
        if code == "BROKEN":
            self._send(500, b'{"error": "db down"}')
        elif code == "GARBLED":
            self._send(200, b"<html>maintenance</html>")
        elif code in self.dossiers:
            self._send(200, json.dumps(self.dossiers[code]).encode())
        else:
            self._send(404, b'{"error": "not found"}')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def one_stop() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OneStopHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def http_provider(base: str, monkeypatch) -> HttpStatusProvider:
    monkeypatch.setenv("ONE_STOP_TOKEN", "s3cret")
    return make_provider(
        {"type": "http", "url_template": base + "/api/hoso/{code}", "date_format": "%d/%m/%Y",
         "headers": {"Authorization": "Bearer ${ONE_STOP_TOKEN}"},
         "fields": {"code": "MaHoSo", "procedure_name": "TenThuTuc", "status": "TrangThai",
                    "received_on": "NgayTiepNhan", "due_on": "NgayHenTra", "current_agency": "DonViXuLy",
                    "phone": "ChuHoSo.SoDienThoai"}}
    )  # type: ignore[return-value]  # fmt: skip


def test_http_provider_maps_the_one_stop_fields(one_stop: str, monkeypatch) -> None:
    dossier = http_provider(one_stop, monkeypatch).find("000.00.11.H30-261105-0042")
    assert dossier is not None
    assert (dossier.status, dossier.phone_last4, dossier.due_on) == (
        "Cần bổ sung hồ sơ",
        "0333",
        date(2026, 11, 19),
    )
    assert OneStopHandler.seen_headers[-1] == "Bearer s3cret"


def test_http_provider_tells_unknown_from_unavailable(one_stop: str, monkeypatch) -> None:
    provider = http_provider(one_stop, monkeypatch)
    assert provider.find("000.00.11.H30-261105-9999") is None
    for code in ("BROKEN", "GARBLED"):
        with pytest.raises(ProviderUnavailable):
            provider.find(code)
    with pytest.raises(ProviderUnavailable):
        HttpStatusProvider("http://127.0.0.1:9/{code}", timeout_s=1).find("X")


def test_provider_config_errors_are_named() -> None:
    with pytest.raises(ConfigurationError, match="url_template"):
        make_provider({"type": "http"})
    with pytest.raises(ConfigurationError, match="unknown status_provider"):
        make_provider({"type": "ftp"})


def test_wrong_digits_reveal_nothing_and_repeated_failures_are_limited(fresh_store) -> None:
    lookup = DossierLookup(SQLiteStatusProvider(fresh_store, demo=True), CitizenRecords(fresh_store))
    found = lookup.check("citizen", DEMO_CODE, "0222")
    assert found.outcome is Outcome.FOUND and found.dossier is not None
    wrong_owner = lookup.check("citizen", DEMO_CODE, "1111")
    unknown = lookup.check("citizen", "000.00.04.H51-000000-0000", "0222")
    assert wrong_owner == unknown and wrong_owner.outcome is Outcome.NO_MATCH and wrong_owner.dossier is None
    for _ in range(MAX_FAILURES_PER_CONVERSATION - 2):
        lookup.check("citizen", DEMO_CODE, "9999")
    assert lookup.check("citizen", DEMO_CODE, "0222").outcome is Outcome.RATE_LIMITED
    assert lookup.check("someone-else", DEMO_CODE, "0222").outcome is Outcome.FOUND


def test_one_dossier_guessed_from_many_conversations_is_limited(fresh_store) -> None:
    lookup = DossierLookup(SQLiteStatusProvider(fresh_store, demo=True), CitizenRecords(fresh_store))
    code = "000.00.07.H51-261102-0015"  # phone ending 0555
    for attempt in range(MAX_FAILURES_PER_DOSSIER):
        assert lookup.check(f"guesser-{attempt}", code, f"{attempt:04d}").outcome is Outcome.NO_MATCH
    assert lookup.check("the-owner", code, "0555").outcome is Outcome.RATE_LIMITED


def test_unavailable_system_is_not_counted_as_a_failure(fresh_store) -> None:
    class Down:
        def find(self, code: str):
            raise ProviderUnavailable("down")

    lookup = DossierLookup(Down(), CitizenRecords(fresh_store))
    for _ in range(MAX_FAILURES_PER_CONVERSATION + 1):
        assert lookup.check("citizen", DEMO_CODE, "0222").outcome is Outcome.UNAVAILABLE


def test_the_status_message_never_repeats_the_phone_digits(fresh_store) -> None:
    dossier = SQLiteStatusProvider(fresh_store, demo=True).find("000.00.07.H51-261102-0015")
    assert dossier is not None
    text = describe(dossier, today=date(2026, 11, 25))
    assert "Tình trạng: Đang xử lý" in text and "quá hạn" in text and "0555" not in text
    assert "Ngày tiếp nhận: 02/11/2026" in text and "Cơ quan đang xử lý: UBND xã Hòa Bình" in text


def test_the_cli_loads_an_export(fresh_store, tmp_path: Path, capsys) -> None:
    from bot.cli import main

    export = tmp_path / "export.csv"
    export.write_text("code,status,phone\n000.00.09.H30-261120-0080,Đang xử lý,0912345678\n", "utf-8")
    assert main(["dossiers", "load", str(export)]) == 0
    assert "loaded 1 dossiers" in capsys.readouterr().out
    assert SQLiteStatusProvider(fresh_store).find("000.00.09.H30-261120-0080") is not None
    export.write_text("code,status,phone\nX,,\n", encoding="utf-8")
    assert main(["dossiers", "load", str(export)]) == 1


def test_a_real_import_removes_the_demo_set_and_demo_is_not_added_beside_it(
    fresh_store, tmp_path: Path, caplog
) -> None:
    demo = SQLiteStatusProvider(fresh_store, demo=True)
    assert demo.find(DEMO_CODE) is not None
    export = tmp_path / "export.csv"
    export.write_text("code,status,phone\n000.00.09.H30-261120-0081,Đang xử lý,0912345678\n", "utf-8")
    assert demo.load_csv(export) == 1
    assert demo.find(DEMO_CODE) is None and demo.find("000.00.09.H30-261120-0081") is not None
    with caplog.at_level("WARNING", logger="bot.services.dossier_status"):
        again = SQLiteStatusProvider(fresh_store, demo=True)
    assert again.find(DEMO_CODE) is None
    assert "demo dossiers not added: 1 real dossiers are loaded" in caplog.text


def test_the_services_command_line_asks_for_the_demo_set(fresh_store, monkeypatch) -> None:
    from bot.services.application import Application

    monkeypatch.setattr("bot.services.application.knowledge_service", lambda environ: None)
    assert not Application.from_environment({"CITIZENBOT_DB": str(fresh_store)}).demo
    assert Application.from_environment({"CITIZENBOT_DB": str(fresh_store)}, demo=True).demo
    app = Application.from_environment({"CITIZENBOT_DB": str(fresh_store), "CITIZENBOT_DEMO": "1"})
    assert app.demo and app.dossier_lookup.check("citizen", DEMO_CODE, "0222").outcome is Outcome.FOUND
