"""恩送りデビュー: an experienced consultant giving newly qualified ones their first paid
clients (scenarios.md). Names and text are fictional."""

from bansou.core.roles import Role
from bansou.demo.specs import (
    DemoAccompaniment,
    DemoAvailability,
    DemoClient,
    DemoEngagement,
    DemoOrganization,
    DemoPerson,
    DemoPhase,
    DemoProgram,
    DemoSupporter,
    DemoVenue,
    PastSession,
)
from bansou.engagements.models import Session
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile
from bansou.programs.models import Phase, Program

P = DemoPerson
C, S, CL, PA, V = Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER
NEWCOMER = "supporter@debut.example"

ORGANIZATION = DemoOrganization(
    slug="onkuri-debut",
    name="恩送りデビュー（橋本恵子キャリア相談室）",
    kind=Organization.Kind.INDEPENDENT,
    description=(
        "資格を取ったばかりのキャリアコンサルタントの「最初の有料クライアント」になる恩送りの取り組みです。"
        "月に最大4名まで受け付けています。"
    ),
    venues=(DemoVenue("オンライン（Google Meet）", Venue.Kind.ONLINE),),
    people=(
        P("coordinator@debut.example", "橋本", "恵子", "ハシモト", "ケイコ", C),
        P(NEWCOMER, "石川", "翔太", "イシカワ", "ショウタ", S),
        P("client@debut.example", "前田", "彩", "マエダ", "アヤ", CL),
        P("partner@debut.example", "藤田", "美穂", "フジタ", "ミホ", PA),
        P("viewer@debut.example", "岡田", "修", "オカダ", "オサム", V),
    ),
    accompaniment=DemoAccompaniment(
        coordinator="coordinator@debut.example",
        program=DemoProgram(
            slug="debut-2026",
            name="恩送りデビュー 2026",
            kind=Program.Kind.DEBUT,
            description="資格を取ったばかりのキャリアコンサルタントの、はじめての有料相談の場をつくります（月4名まで）。",
            start=-90,
            end=270,
            phases=(DemoPhase("受付・実施", Phase.Kind.ACTIVE, -90, 270),),
        ),
        supporters=(
            DemoSupporter(
                NEWCOMER,
                ("若手社会人", "転職"),
                ("ja",),
                "2026年に資格を取得しました。はじめての有料相談に挑戦中です。",
                "26001122",
                "male",
            ),
        ),
        clients=(
            DemoClient(
                "client@debut.example", ClientProfile.Category.WORKER, "転職するか迷っている"
            ),
        ),
        engagements=(
            DemoEngagement(
                client="client@debut.example",
                supporter=NEWCOMER,
                author=NEWCOMER,
                mode=Session.Mode.ONLINE,
                meeting_url="https://meet.jit.si/Banso-demo-debut",
                past=(
                    PastSession(
                        10,
                        19,
                        50,
                        ("自己理解", "進路選択"),
                        "今の仕事で大切にしていることを3つ挙げました。",
                        "はじめての有料セッション。時間配分が課題（橋本さんからのフィードバック待ち）。",
                        (
                            "転職の前に、今の職場でできることもある",
                            "人に教えるのが好き",
                            "社内の研修担当に手を挙げる",
                            4,
                        ),
                    ),
                ),
            ),
        ),
    ),
    availability=(
        # The newcomer consults on Saturdays, beside a weekday job.
        DemoAvailability((NEWCOMER,), (5,), (("10:00", "16:00"),), per_day=2, per_month=4),
    ),
)
