"""Demo data and a steady stream of realistic fake customers, through the real ingest path.

Used by ``flask demo traffic`` so a newcomer sees the queue move, and by the benchmarks.
"""
from __future__ import annotations

import base64
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from io import BytesIO

from flask import Flask
from sqlalchemy import select

from channels.base import Identity, Inbound, ThreadHints
from inbox.extensions import db
from inbox.models import Agent, Team
from inbox.sla import defaults as sla_defaults

PEOPLE = [
    ("Emma Thompson", "en"), ("Liam O'Brien", "en"), ("Sofia Garcia", "en"), ("Noah Williams", "en"),
    ("佐藤 花子", "ja"), ("鈴木 一郎", "ja"), ("高橋 美咲", "ja"), ("田中 健", "ja"),
    ("김민준", "ko"), ("이서연", "ko"), ("박지훈", "ko"), ("최유나", "ko"),
]

PROBLEMS = {
    "en": [
        ("Order hasn't arrived",
         "Hi, my order #{n} was due on Monday and still hasn't arrived. Can you check where it is?"),
        ("Charged twice", "I was charged twice for my subscription this month. Please refund one of the charges."),
        ("Can't log in", "The password reset email never arrives, so I can't log in to my account."),
        ("Wrong size", "I received the wrong size. How do I exchange it?"),
    ],
    "ja": [
        ("注文が届きません", "注文番号{n}の商品がまだ届いていません。確認していただけますか？"),
        ("二重請求について", "今月のサブスクリプションが二重に請求されています。返金をお願いします。"),
        ("ログインできません", "パスワード再設定のメールが届かず、ログインできません。"),
    ],
    "ko": [
        ("주문이 도착하지 않았어요", "주문번호 {n} 상품이 아직 도착하지 않았습니다. 확인 부탁드립니다."),
        ("이중 결제", "이번 달 구독료가 두 번 결제되었습니다. 환불해 주세요."),
        ("로그인이 안 돼요", "비밀번호 재설정 메일이 오지 않아 로그인할 수 없습니다."),
    ],
}

DEMO_PASSWORD_BYTES = 9


@dataclass(frozen=True)
class DemoAccounts:
    admin_email: str
    admin_password: str
    agent_password: str


def seed(password: str | None = None) -> DemoAccounts | None:
    """Two teams, an admin and a few agents, once; returns the credentials it made."""
    if db.session.scalar(select(Agent).limit(1)) is not None:
        return None
    password = password or secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
    agent_password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
    support = Team(name="Support", timezone="Asia/Tokyo", language="ja", channels=[])
    global_team = Team(name="Global", timezone="Europe/London", language="en", channels=["email", "x", "chat"])
    db.session.add_all([global_team, support])
    admin = Agent(email="admin@kept.example", name="Alex Admin", role="admin", languages=["en", "ja"],
                  channels=["email", "x", "chat"], teams=[global_team, support])
    admin.set_password(password)
    agents = [
        Agent(email="mika@kept.example", name="三上 美佳", language="ja", timezone="Asia/Tokyo", languages=["ja", "en"],
              channels=["email", "x", "chat"], teams=[support]),
        Agent(email="jiwoo@kept.example", name="한지우", language="ko", timezone="Asia/Seoul", languages=["ko", "en"],
              channels=["email", "chat"], teams=[support]),
        Agent(email="sam@kept.example", name="Sam Carter", language="en", timezone="Europe/London", languages=["en"],
              channels=["email", "x", "chat"], teams=[global_team]),
    ]
    for agent in agents:
        agent.set_password(agent_password)
    db.session.add_all([admin, *agents])
    db.session.flush()
    sla_defaults.seed([support, global_team])
    db.session.commit()
    return DemoAccounts(admin.email, password, agent_password)


def customer_messages(rng: random.Random | None = None,
                      channels: tuple[str, ...] = ("email", "x", "chat")) -> Iterator[tuple[str, int, str, str, str]]:
    """An endless stream of (channel, person, language, subject, text) from a pool of customers."""
    rng = rng or random.Random()
    while True:
        name, language = rng.choice(PEOPLE)
        subject, body = rng.choice(PROBLEMS[language])
        text = body.format(n=rng.randint(10000, 99999))
        yield rng.choice(channels), PEOPLE.index((name, language)), language, subject, text


def deliver(app: Flask, channel: str, person: int, language: str, subject: str, text: str) -> str:
    """Send one customer message the way its provider would: a SendGrid Inbound Parse POST, a
    signed X webhook, or a chat message into the ingest path the widget's socket handler uses."""
    name = PEOPLE[person][0]
    if channel == "email":
        message = EmailMessage()
        domain = {"ja": "example.jp", "ko": "example.kr"}.get(language, "example.com")
        message["From"] = formataddr((name, f"customer{person}@{domain}"))
        message["To"] = app.config["SUPPORT_EMAIL_ADDRESS"]
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=domain)
        message["Content-Language"] = language
        message.set_content(text)
        response = app.test_client().post(
            "/channels/email/inbound",
            data={"email": (BytesIO(bytes(message)), "email"), "to": app.config["SUPPORT_EMAIL_ADDRESS"],
                  "from": message["From"], "charsets": '{"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8"}'},
            headers={"Authorization": _basic(app.config["INBOUND_EMAIL_USERNAME"],
                                             app.config["INBOUND_EMAIL_PASSWORD"])},
            content_type="multipart/form-data",
        )
    elif channel == "x":
        from channels.x.demo import XUser, webhook_delivery

        user = XUser(id=str(900000 + person), username=f"customer_{person}", name=name)
        body, headers = webhook_delivery(app.config, user, text, dm=person % 2 == 0, lang=language)
        response = app.test_client().post("/channels/x/webhook", data=body, headers=headers)
    else:
        from inbox.ingest import ingest

        visitor = f"demo-visitor-{person}"
        with app.app_context():
            result = ingest(Inbound("chat", f"{visitor}-{secrets.token_hex(6)}", Identity("chat", visitor, name), text,
                                    raw=text.encode(), language_hint=language,
                                    thread=ThreadHints(conversation_key=f"chat:{visitor}")))
        return f"chat → ticket #{result.ticket_id}"
    if response.status_code >= 300:
        raise RuntimeError(f"{channel} delivery refused: {response.status_code} {response.get_data(as_text=True)}")
    return f"{channel} → {response.get_data(as_text=True).strip()[:120]}"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
