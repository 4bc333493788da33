"""Conversations shared by two Rasa servers and two services processes (PostgreSQL, Redis, nginx)."""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest

from bot.cluster import Cluster
from bot.console.db import ConsoleDatabase
from bot.console.faq_store import FaqDraft, FaqStore
from bot.console.insights_analytics import Period, compute
from bot.services.records import CitizenRecords
from bot.store_database import open_database
from tests.cluster.conftest import staff, texts, user_texts

pytestmark = pytest.mark.e2e


def test_turns_alternating_between_the_rasa_servers_stay_one_conversation(cluster: Cluster) -> None:
    first, second = cluster.rasa_url(1), cluster.rasa_url(2)
    sender = "cluster-alternating"
    assert "mã 1.001193" in texts(cluster.say(sender, "thủ tục đăng ký khai sinh cần giấy tờ gì", first))
    # The follow-up reaches the other server: it knows the procedure only from the shared tracker.
    follow_up = texts(cluster.say(sender, "còn lệ phí thì sao?", second))
    assert "mã 1.001193" in follow_up and "Miễn phí" in follow_up
    # A form across the servers: asked on one, each answer given to the other.
    assert "mã hồ sơ" in texts(cluster.say(sender, "tra cứu hồ sơ", first))
    assert "4 số cuối" in texts(cluster.say(sender, "000.00.04.H51-261118-0002", second))
    status = texts(cluster.say(sender, "0222", first))
    assert "Tình trạng: Đang xử lý" in status
    # After the form, the conversation goes on where it was.
    assert "mã 1.001193" in texts(cluster.say(sender, "thế mất bao lâu", second))
    said = user_texts(cluster, sender, second)
    assert said[-6:] == [
        "thủ tục đăng ký khai sinh cần giấy tờ gì", "còn lệ phí thì sao?", "tra cứu hồ sơ",
        "000.00.04.H51-261118-0002", "0222", "thế mất bao lâu",
    ]  # fmt: skip
    assert user_texts(cluster, sender, first) == said


def test_two_messages_of_one_conversation_at_both_servers_at_once_are_handled_in_turn(
    cluster: Cluster,
) -> None:
    sender = "cluster-simultaneous"
    cluster.say(sender, "xin chào", cluster.rasa_url(1))
    sent = []
    for round_number in range(5):  # Rasa's own Redis lock store lost one message of such a pair
        pair = [
            (f"lệ phí làm hộ chiếu bao nhiêu {round_number}", cluster.rasa_url(1)),
            (f"trung tâm làm việc mấy giờ {round_number}", cluster.rasa_url(2)),
        ]
        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(lambda q: cluster.say(sender, q[0], q[1]), pair))
        assert all(replies)
        sent += [text for text, _ in pair]
    said = user_texts(cluster, sender)
    # The lock made them take turns: every message stored, none overwritten by the other server's save.
    assert said[0] == "xin chào" and sorted(said[1:]) == sorted(sent)
    events = httpx.get(
        f"{cluster.rasa_url(2)}/conversations/{sender}/tracker",
        params={"token": cluster.spec.tokens["RASA_AUTH_TOKEN"]},
        timeout=30,
    ).json()["events"]
    kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
    assert kinds.count("user") == 11 and kinds[-1] == "bot"


def test_nginx_spreads_turns_over_both_rasa_servers(cluster: Cluster) -> None:
    for number in range(6):
        cluster.say(f"cluster-spread-{number}", "xin chào")
    access_log = (cluster.spec.workdir / "nginx" / "access.log").read_text()
    answered_by = {line.split()[0] for line in access_log.splitlines() if "/webhooks/rest/webhook" in line}
    assert answered_by == {f"127.0.0.1:{port}" for port in cluster.rasa_ports}
    # Whichever server answered, each reads every conversation from PostgreSQL.
    for number in range(6):
        assert user_texts(cluster, f"cluster-spread-{number}", cluster.rasa_url(1))[-1:] == ["xin chào"]
        assert user_texts(cluster, f"cluster-spread-{number}", cluster.rasa_url(2))[-1:] == ["xin chào"]


def test_a_rasa_server_killed_mid_conversation_loses_nothing(cluster: Cluster) -> None:
    sender = "cluster-killed-rasa"
    cluster.say(sender, "tôi muốn phản ánh")
    cluster.members["rasa-1"].stop(kill=True)
    try:
        # Through nginx: every turn is answered, by the server still running.
        assert "số điện thoại" in texts(cluster.say(sender, "Bộ phận một cửa trả hồ sơ chậm 5 ngày"))
        assert "đồng ý" in texts(cluster.say(sender, "0912345678"))
        ticket = texts(cluster.say(sender, "đồng ý"))
        assert "PA-" in ticket
    finally:
        cluster.restart("rasa-1")
    # The restarted server reads the whole conversation (stored redacted), the ticket is in the shared store.
    assert user_texts(cluster, sender, cluster.rasa_url(1))[-4:] == [
        "tôi muốn phản ánh", "Bộ phận một cửa trả hồ sơ chậm 5 ngày", "[số điện thoại]", "đồng ý",
    ]  # fmt: skip
    reference = ticket.split("mã ")[1].split()[0]
    with psycopg.connect(cluster.spec.database_url) as connection:
        query = "SELECT content, contact FROM feedback_tickets WHERE ticket = %s"
        stored = connection.execute(query, (reference,)).fetchone()
    assert stored == ("Bộ phận một cửa trả hồ sơ chậm 5 ngày", "0912345678")


def test_an_action_server_killed_mid_conversation_is_replaced_by_the_other(cluster: Cluster) -> None:
    sender = "cluster-killed-actions"
    queued = texts(cluster.say(sender, "cho tôi gặp cán bộ"))
    assert "HT-" in queued
    cluster.members["services-1"].stop(kill=True)
    try:
        for _ in range(3):  # whichever process nginx tries first, the action runs on the live one
            waiting = texts(cluster.say(sender, "lệ phí đăng ký khai sinh"))
            assert "đang chờ" in waiting
        handoffs = staff(cluster, "GET", "/handoffs", params={"status": "open"}).json()
        assert any(request["sender_id"] == sender for request in handoffs)
    finally:
        cluster.restart("services-1")


def test_with_every_action_server_down_the_citizen_is_told_and_the_conversation_resumes(
    cluster: Cluster,
) -> None:
    sender = "cluster-actions-down"
    assert "mã hồ sơ" in texts(cluster.say(sender, "tra cứu hồ sơ"))
    for name in cluster.names("services"):
        cluster.members[name].stop(kill=True)
    try:
        reply = texts(cluster.say(sender, "000.00.04.H51-261118-0002"))
        assert "tạm thời gián đoạn" in reply
    finally:
        for name in cluster.names("services"):
            cluster.restart(name)
    # Back: the message sent again is taken where the form was, and the form finishes.
    assert "4 số cuối" in texts(cluster.say(sender, "000.00.04.H51-261118-0002"))
    status = texts(cluster.say(sender, "0222"))
    assert "Tình trạng: Đang xử lý" in status


def test_an_faq_saved_through_one_services_process_is_used_by_both(cluster: Cluster) -> None:
    question = "Làm lại giấy khai sinh bị mất có cần điều kiện gì về hộ khẩu không?"
    answer = "Không cần sổ hộ khẩu: mang CCCD và tờ khai trích lục khai sinh (kiểm thử cụm 5512)."
    # Saved in the shared store as the console of either process saves it.
    access_log = cluster.spec.workdir / "nginx" / "access.log"
    seen_before = len(access_log.read_text().splitlines())
    store = FaqStore(ConsoleDatabase(open_database(url=cluster.spec.database_url)))
    store.create(FaqDraft("", (question,), answer, ("1.004884",)), actor="kiem-thu")
    deadline = time.monotonic() + 15
    answered: list[bool] = []
    while time.monotonic() < deadline:
        # Sent one after another, the action calls alternate between the two services processes.
        answered = [
            answer in texts(cluster.say(f"cluster-faq-{secrets.token_hex(3)}", question)) for _ in range(4)
        ]
        if all(answered):
            break
        time.sleep(1)
    assert all(answered), answered
    lines = access_log.read_text().splitlines()[seen_before:]
    action_servers = {line.split()[0] for line in lines if line.split()[-1] == "/webhook"}
    assert action_servers == {f"127.0.0.1:{port}" for port in cluster.action_ports}


def test_the_directors_figures_count_the_conversations_kept_in_postgresql(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    senders = [f"cluster-figures-{secrets.token_hex(3)}" for _ in range(3)]
    for sender in senders:
        cluster.say(sender, "lệ phí đăng ký khai sinh")
    monkeypatch.setenv("CITIZENBOT_DATABASE_URL", cluster.spec.database_url)
    monkeypatch.setenv("CITIZENBOT_TRACKER_DATABASE_URL", cluster.spec.database_url)
    today = date.today()
    figures = compute(
        CitizenRecords(tmp_path / "unused.db"), tmp_path / "no-sqlite-tracker.db", Period(today, today)
    )
    assert figures.tracker_found
    assert figures.conversations >= len(senders) and figures.messages >= len(senders)
    counts = {code: count for code, _name, count in figures.procedures}
    assert counts.get("1.001193", 0) >= len(senders)
