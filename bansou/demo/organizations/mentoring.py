"""つなぐプロボノ: pairs of mentors accompanying the staff of small NPOs online for three
months, with a matching pool waiting for its second round (scenarios.md). Names and text
are fictional."""

from bansou.core.roles import Role
from bansou.demo.specs import (
    DemoAccompaniment,
    DemoAppointmentType,
    DemoAvailability,
    DemoBooking,
    DemoClient,
    DemoEngagement,
    DemoMatching,
    DemoMatchingProfile,
    DemoMeeting,
    DemoOrganization,
    DemoPerson,
    DemoPhase,
    DemoProgram,
    DemoQuestion,
    DemoSeries,
    DemoSupporter,
    DemoSurvey,
    DemoTarget,
    DemoTeam,
    DemoText,
    DemoTraining,
    DemoVenue,
    PastSession,
)
from bansou.engagements.cadence import Rule
from bansou.engagements.models import Session
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile
from bansou.programs.models import Kpi, Phase, Program, Target
from bansou.surveys.models import Question, Survey

P = DemoPerson
C, S, CL, PA, V = Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER
MENTORS = tuple(f"supporter{n}@mentor.example" for n in ("", "2", "3", "4"))
MENTOR_BIOS = (
    "子育てとPTAで培った「聴く力」を活かしています。",
    "元人事。NPOの労務の悩みもどうぞ。",
    "3児の母。子ども食堂を立ち上げた経験があります。",
    "臨床心理を学びました。燃え尽きの予防に関心があります。",
)
EVENINGS = ("tue-evening", "thu-evening")

# The participants' short survey after each session (scenario 3: their satisfaction and
# voices go into the reports).
AFTER_SESSION = DemoSurvey(
    title="セッション後アンケート（参加者）",
    title_en="After the session: participants' survey",
    intro="今日のメンタリングについて教えてください。無記名です。2分ほどで終わります。",
    audience=Survey.Audience.CLIENTS,
    trigger=Survey.Trigger.AFTER_SESSION,
    opened=-30,
    closes=100,
    responses=3,
    questions=(
        DemoQuestion(
            Question.Kind.SCALE,
            "今日のセッションに満足しましたか",
            "How satisfied were you with today's session?",
            spread=(0, 0, 0, 1, 2),
            satisfaction=True,
        ),
        DemoQuestion(
            Question.Kind.SCALE,
            "メンターに話をよく聴いてもらえたと感じましたか",
            "Did you feel your mentors listened to you?",
            spread=(0, 0, 0, 0, 3),
        ),
        DemoQuestion(
            Question.Kind.SINGLE,
            "次回までに取り組みたいことは見つかりましたか",
            "Did you find something to try before the next session?",
            choices=("はっきり見つかった", "なんとなく見つかった", "まだ見つかっていない"),
            spread=(2, 1, 0),
        ),
        DemoQuestion(
            Question.Kind.NPS,
            "このメンタリングを同じ立場の人にすすめたいと思いますか（0〜10）",
            "Would you recommend this mentoring to someone in your position? (0–10)",
            spread=(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2),
        ),
        DemoQuestion(
            Question.Kind.TEXT,
            "今日のセッションの感想を自由にお書きください",
            "Anything you would like to say about today's session?",
            texts=(
                DemoText(
                    "一人で抱えていたことを、お二人が順番に受け止めてくださって、気持ちが軽くなりました。"
                    "次回までにボランティアさんに一つ頼んでみます。",
                    "",
                ),
                DemoText(
                    "「全部自分でやらなくていい」と言ってもらえて、肩の力が抜けました。"
                    "子ども食堂の話をこんなに聞いてもらえたのは初めてです。",
                    "「全部自分でやらなくていい」と言ってもらえて、肩の力が抜けました。"
                    "活動の話をこんなに聞いてもらえたのは初めてです。",
                ),
                DemoText(
                    "オンラインでも温かい雰囲気で、代表としての迷いを正直に話せました。"
                    "同じ立場の人にもすすめたいです。",
                    "",
                ),
            ),
        ),
    ),
)

ORGANIZATION = DemoOrganization(
    slug="tsunagu-probono",
    name="NPO法人 つなぐプロボノ",
    kind=Organization.Kind.NPO,
    description=(
        "子どもの居場所や障がいのある人を支える小さなNPOの職員に、"
        "2人1組のママメンターが3か月間オンラインで伴走します。"
    ),
    venues=(DemoVenue("オンライン（Zoom）", Venue.Kind.ONLINE),),
    people=(
        P("coordinator@mentor.example", "山口", "由美", "ヤマグチ", "ユミ", C),
        P("supporter@mentor.example", "中村", "真理子", "ナカムラ", "マリコ", S),
        P("supporter2@mentor.example", "加藤", "恵", "カトウ", "メグミ", S),
        P("supporter3@mentor.example", "吉田", "智子", "ヨシダ", "トモコ", S),
        P("supporter4@mentor.example", "山田", "陽子", "ヤマダ", "ヨウコ", S),
        P("client@mentor.example", "松本", "拓也", "マツモト", "タクヤ", CL),
        P("client2@mentor.example", "佐々木", "綾", "ササキ", "アヤ", CL),
        P("client3@mentor.example", "近藤", "美和", "コンドウ", "ミワ", CL),
        P("client4@mentor.example", "石井", "隆", "イシイ", "タカシ", CL),
        P("client5@mentor.example", "長谷川", "舞", "ハセガワ", "マイ", CL),
        P("partner@mentor.example", "井上", "和也", "イノウエ", "カズヤ", PA),
        P("viewer@mentor.example", "木村", "聡", "キムラ", "サトシ", V),
    ),
    accompaniment=DemoAccompaniment(
        coordinator="coordinator@mentor.example",
        program=DemoProgram(
            slug="mentoring-2026",
            name="NPOスタッフ伴走メンタリング 2026",
            kind=Program.Kind.MENTORING,
            description="小さなNPOで働くスタッフに、ママメンター2人1組が月2回・約40分、3か月間オンラインで伴走します。参加は無料です。",
            start=-45,
            end=100,
            supporter_questions=("これまでの傾聴の経験を教えてください",),
            client_questions=("活動している団体と、いま困っていることを教えてください",),
            phases=(
                DemoPhase("メンター事前研修", Phase.Kind.PRE_TRAINING, -45, -38),
                DemoPhase("マッチング", Phase.Kind.MATCHING, -37, -19),
                DemoPhase("伴走期間", Phase.Kind.ACTIVE, -18, 70),
                DemoPhase("振り返り", Phase.Kind.REFLECTION, 71, 100),
            ),
            targets=(DemoTarget("参加者満足度", "%", 90, Kpi.SATISFIED_RATE, Target.Kind.OUTCOME),),
            trainings=(DemoTraining("メンター事前研修（オンライン・1夜）", -40, MENTORS),),
            appointment_types=(DemoAppointmentType("オンライン面談（40分）", 40, "online"),),
        ),
        supporters=tuple(
            DemoSupporter(email, ("傾聴", "NPO運営", "子育て支援"), ("ja",), bio)
            for email, bio in zip(MENTORS, MENTOR_BIOS, strict=True)
        ),
        teams=(
            DemoTeam("ペアA（中村・加藤）", MENTORS[:2]),
            DemoTeam("ペアB（吉田・山田）", MENTORS[2:]),
        ),
        clients=(
            DemoClient(
                "client@mentor.example",
                ClientProfile.Category.NPO_STAFF,
                "子ども食堂の運営で一人で抱え込んでいる",
                school_or_organization="NPO法人 こども食堂みなみ",
            ),
            DemoClient(
                "client2@mentor.example",
                ClientProfile.Category.NPO_STAFF,
                "障がいのある人の居場所づくり。代表として孤立している",
                school_or_organization="一般社団法人 ひだまりの家",
            ),
        ),
        engagements=(
            DemoEngagement(
                client="client@mentor.example",
                team="ペアA（中村・加藤）",
                author=MENTORS[0],
                goals="ボランティアに仕事を任せられるようになる。燃え尽きない働き方を見つける。",
                mode=Session.Mode.ONLINE,
                meeting_url="https://meet.jit.si/Banso-demo-pairA",
                past=(
                    PastSession(
                        14,
                        20,
                        40,
                        ("自己理解",),
                        "今の1週間の過ごし方を振り返り、抱えている仕事を書き出しました。",
                        "疲れがたまっている様子。睡眠の話を次回も確認（加藤さんと共有）。",
                        (
                            "自分が全部やらなくてもいいという話",
                            "仕事を手放すのが怖いと気づいた",
                            "1つだけボランティアさんに頼んでみる",
                            3,
                        ),
                    ),
                    PastSession(
                        3,
                        20,
                        40,
                        ("生活・家庭", "自己理解"),
                        "頼んでみた結果を一緒に振り返りました。うまくいったことを言葉にしました。",
                        "表情が明るくなった。次回は団体の今後の話へ。",
                        (
                            "頼むと相手も嬉しそうだった",
                            "信頼されていないと思い込んでいた",
                            "配膳の担当表をつくる",
                            4,
                        ),
                    ),
                ),
                series=DemoSeries(
                    first_day=11, until=70, hour=20, minutes=40, rule=Rule.TWICE_MONTHLY
                ),
            ),
            DemoEngagement(
                client="client2@mentor.example",
                team="ペアB（吉田・山田）",
                author=MENTORS[2],
                goals="代表としての孤立感を減らし、相談できる仲間をつくる。",
                mode=Session.Mode.ONLINE,
                meeting_url="https://meet.jit.si/Banso-demo-pairB",
                past=(
                    PastSession(
                        26,
                        20,
                        40,
                        ("情報提供",),
                        "自己紹介と、この3か月で話したいことを整理しました。",
                        "日程調整が難航。次回日程未定のまま終了。",
                    ),
                ),
            ),
        ),
    ),
    matching=DemoMatching(
        coordinator="coordinator@mentor.example",
        round_titles=("第2期 マッチング", "第2期 追加マッチング"),
        clients=tuple(
            DemoClient(email, ClientProfile.Category.NPO_STAFF, wants)
            for email, wants in (
                ("client3@mentor.example", "子ども食堂の運営で燃え尽きそう。NPO運営の相談をしたい"),
                ("client4@mentor.example", "障がいのある人の居場所づくり。傾聴してほしい"),
                ("client5@mentor.example", "子育て支援の団体で一人職員。孤立している"),
            )
        ),
        profiles=(
            *(
                DemoMatchingProfile(email, EVENINGS)
                for email in (
                    "client3@mentor.example",
                    "client4@mentor.example",
                    "client5@mentor.example",
                )
            ),
            *(DemoMatchingProfile(email, EVENINGS, modes=("online",)) for email in MENTORS),
        ),
    ),
    availability=(DemoAvailability(MENTORS, (1, 3), (("19:00", "22:00"),), per_week=2),),
    bookings=(DemoBooking("client@mentor.example", "オンライン面談（40分）", 2),),
    meetings=(
        DemoMeeting("ペアAの振り返りミーティング", "ペアA（中村・加藤）", 3, 20, 45, "オンライン"),
    ),
    surveys=(AFTER_SESSION,),
)
