package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
	"tsunagu/kb"
	"tsunagu/sqlite"
)

// The demo center's fixed facts, also the CLI contract that outside checks
// rely on: these logins, this password, this number.
const (
	demoTenant   tsunagu.TenantID = "demo"
	demoPassword                  = "tsunagu-demo"
	demoNumber                    = "0312345678"
)

type demoInfo struct{ created bool }

func (d *demoInfo) print(w io.Writer) {
	state := "reused"
	if d.created {
		state = "created"
	}
	fmt.Fprintf(w, `  Demo center デモコールセンター (%s)
    logins: admin, sv01–sv03 (supervisors), op01–op20 (operators)
    password: %s   (demo only — change it or do not expose this port)
    phone number: %s, menu 1 = 一般, 2 = 技術サポート, 3 = 料金・解約
`, state, demoPassword, demoNumber)
}

// name is a Japanese name with its kana reading.
type name struct{ kanji, kana string }

var (
	familyNames = []name{{"佐藤", "さとう"}, {"鈴木", "すずき"}, {"高橋", "たかはし"}, {"田中", "たなか"}, {"伊藤", "いとう"},
		{"渡辺", "わたなべ"}, {"山本", "やまもと"}, {"中村", "なかむら"}, {"小林", "こばやし"}, {"加藤", "かとう"},
		{"吉田", "よしだ"}, {"山田", "やまだ"}, {"佐々木", "ささき"}, {"山口", "やまぐち"}, {"松本", "まつもと"},
		{"井上", "いのうえ"}, {"木村", "きむら"}, {"林", "はやし"}, {"斎藤", "さいとう"}, {"清水", "しみず"},
		{"山崎", "やまざき"}, {"森", "もり"}, {"池田", "いけだ"}, {"橋本", "はしもと"}, {"阿部", "あべ"},
		{"石川", "いしかわ"}, {"前田", "まえだ"}, {"藤田", "ふじた"}, {"小川", "おがわ"}, {"岡田", "おかだ"}}
	givenNames = []name{{"花子", "はなこ"}, {"太郎", "たろう"}, {"陽菜", "ひな"}, {"蓮", "れん"}, {"結衣", "ゆい"},
		{"大翔", "ひろと"}, {"美咲", "みさき"}, {"翔太", "しょうた"}, {"さくら", "さくら"}, {"健太", "けんた"},
		{"愛", "あい"}, {"誠", "まこと"}, {"由美", "ゆみ"}, {"浩", "ひろし"}, {"恵子", "けいこ"},
		{"直樹", "なおき"}, {"真由美", "まゆみ"}, {"和也", "かずや"}, {"彩", "あや"}, {"拓海", "たくみ"},
		{"優子", "ゆうこ"}, {"大輔", "だいすけ"}, {"明美", "あけみ"}, {"悠真", "ゆうま"}, {"千尋", "ちひろ"}}
)

// seedDemo creates the demo center once; a second run finds it and changes
// nothing. It is one pass of ordinary store calls, so every row it makes has
// its events in the log like any other.
func seedDemo(ctx context.Context, db *sqlite.DB, log *slog.Logger) (*demoInfo, error) {
	if _, err := db.FindTenant(ctx, demoTenant); err == nil {
		log.Info("demo center exists; reusing it", "tenant", demoTenant)
		return &demoInfo{}, nil
	} else if tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		return nil, err
	}
	start := time.Now()
	// The demo is deterministic so screenshots and docs stay comparable.
	rng := rand.New(rand.NewPCG(2026, 11))
	t := demoTenant
	if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: t, Name: "デモコールセンター", TimeZone: "Asia/Tokyo"}); err != nil {
		return nil, err
	}
	for _, s := range []tsunagu.Skill{{ID: "general", Name: "一般"}, {ID: "tech", Name: "技術サポート"}, {ID: "billing", Name: "料金・解約"}, {ID: "english", Name: "英語対応"}} {
		s.TenantID = t
		if err := db.CreateSkill(ctx, &s); err != nil {
			return nil, err
		}
	}
	teams := []tsunagu.TeamID{"team-a", "team-b", "team-c"}
	for i, n := range []string{"A班", "B班", "C班"} {
		if err := db.CreateTeam(ctx, &tsunagu.Team{TenantID: t, ID: teams[i], Name: n}); err != nil {
			return nil, err
		}
	}
	queues := []tsunagu.Queue{
		{ID: "general", Name: "一般のお問い合わせ", NameEn: "General inquiries", DTMF: "1", SLPercent: 80, SLSeconds: 20, ACWSeconds: 60,
			HoldCallbackSeconds: 60, Skills: []tsunagu.SkillLevel{{SkillID: "general", Level: 1}},
			Verification: []string{"氏名", "生年月日", "ご登録電話番号"}, VerificationRequired: true},
		{ID: "tech", Name: "技術サポート", NameEn: "Technical support", DTMF: "2", SLPercent: 80, SLSeconds: 30, ACWSeconds: 90,
			HoldCallbackSeconds: 90, Skills: []tsunagu.SkillLevel{{SkillID: "tech", Level: 3}},
			Verification: []string{"氏名", "ご登録メールアドレス"}, VerificationRequired: true},
		{ID: "billing", Name: "料金・解約", NameEn: "Billing and cancellation", DTMF: "3", SLPercent: 90, SLSeconds: 20, ACWSeconds: 60,
			Priority: 1, HoldCallbackSeconds: 60, Skills: []tsunagu.SkillLevel{{SkillID: "billing", Level: 3}},
			Verification: []string{"氏名", "生年月日", "ご契約番号"}, VerificationRequired: true},
	}
	for i := range queues {
		queues[i].TenantID = t
		if err := db.CreateQueue(ctx, &queues[i]); err != nil {
			return nil, err
		}
	}
	reasons := []tsunagu.ContactReason{
		{ID: "password", Name: "パスワード・ログイン", NameEn: "Password / login"},
		{ID: "billing", Name: "料金・請求", NameEn: "Billing"},
		{ID: "plan", Name: "プラン変更", NameEn: "Plan change"},
		{ID: "cancel", Name: "解約", NameEn: "Cancellation"},
		{ID: "connection", Name: "接続できない", NameEn: "Cannot connect"},
		{ID: "delivery", Name: "配送・お届け", NameEn: "Delivery"},
		{ID: "address", Name: "住所変更", NameEn: "Address change"},
		{ID: "complaint", Name: "苦情・ご意見", NameEn: "Complaint / feedback"},
		{ID: "other", Name: "その他", NameEn: "Other"},
	}
	for _, r := range reasons {
		r.TenantID = t
		if err := db.CreateReason(ctx, &r); err != nil {
			return nil, err
		}
	}
	dispositions := []tsunagu.Disposition{
		{ID: "resolved", Name: "解決", NameEn: "Resolved"},
		{ID: "callback", Name: "折り返し約束", NameEn: "Callback promised"},
		{ID: "escalated", Name: "エスカレーション", NameEn: "Escalated"},
		{ID: "converted", Name: "成約", NameEn: "Converted (sale)", Conversion: true},
		{ID: "unresolved", Name: "未解決", NameEn: "Unresolved"},
		{ID: "refused", Name: "本人確認拒否", NameEn: "Verification refused"},
	}
	for _, d := range dispositions {
		d.TenantID = t
		if err := db.CreateDisposition(ctx, &d); err != nil {
			return nil, err
		}
	}
	// Wrap-up note templates: the sentences operators type most (docs/desk.md).
	if err := db.SetNoteTemplates(ctx, t, []string{"手順をご案内し、解決を確認。", "担当部署に確認のうえ折り返しご連絡。",
		"本人確認が取れず、ご案内を控えた。", "ご意見として承り、関係部署に共有。"}); err != nil {
		return nil, err
	}

	// The demo trunk: calls from this machine to 03-1234-5678 hear the menu.
	trunk := &tsunagu.Trunk{TenantID: t, ID: "demo-trunk", Name: "デモ回線 (127.0.0.1)", AllowedNets: []string{"127.0.0.1/32", "::1/128"},
		Numbers: []tsunagu.DID{{Number: demoNumber, Greeting: "お電話ありがとうございます。デモコールセンターでございます。", DefaultQueue: "general",
			Menu: []tsunagu.MenuOption{{Digit: "1", Label: "一般のお問い合わせ", QueueID: "general"}, {Digit: "2", Label: "技術サポート", QueueID: "tech"},
				{Digit: "3", Label: "料金・解約", QueueID: "billing"}}}}}
	if err := db.CreateTrunk(ctx, trunk); err != nil {
		return nil, err
	}

	// Logins. One argon2id hash per user, as in production: the demo must
	// not teach a shortcut.
	type login struct {
		username string
		n        name
		role     tsunagu.Role
		team     tsunagu.TeamID
	}
	logins := []login{{"admin", name{"管理者", "かんりしゃ"}, tsunagu.RoleAdmin, ""}}
	for i := 1; i <= 3; i++ {
		f, g := familyNames[(i*7)%len(familyNames)], givenNames[(i*5)%len(givenNames)]
		logins = append(logins, login{fmt.Sprintf("sv%02d", i), name{f.kanji + " " + g.kanji, f.kana + " " + g.kana}, tsunagu.RoleSupervisor, teams[i-1]})
	}
	for i := 1; i <= 20; i++ {
		f, g := familyNames[(i-1)%len(familyNames)], givenNames[(i*3)%len(givenNames)]
		logins = append(logins, login{fmt.Sprintf("op%02d", i), name{f.kanji + " " + g.kanji, f.kana + " " + g.kana}, tsunagu.RoleAgent, teams[(i-1)%3]})
	}
	for i, l := range logins {
		hash, err := httpapi.HashPassword(demoPassword)
		if err != nil {
			return nil, err
		}
		u := &tsunagu.User{TenantID: t, Username: l.username, DisplayName: l.n.kanji, Kana: l.n.kana, Role: l.role, TeamID: l.team}
		if err := db.CreateUser(ctx, u, hash); err != nil {
			return nil, fmt.Errorf("user %s: %w", l.username, err)
		}
		if u.AgentID == "" {
			continue
		}
		// Everyone takes general calls; specialists by turn; a few speak English.
		skills := []tsunagu.SkillLevel{{SkillID: "general", Level: 3 + i%5}}
		if i%2 == 0 {
			skills = append(skills, tsunagu.SkillLevel{SkillID: "tech", Level: 3 + i%7})
		}
		if i%3 == 0 {
			skills = append(skills, tsunagu.SkillLevel{SkillID: "billing", Level: 3 + i%6})
		}
		if i%7 == 0 {
			skills = append(skills, tsunagu.SkillLevel{SkillID: "english", Level: 6})
		}
		if err := db.SetAgentSkills(ctx, t, u.AgentID, skills); err != nil {
			return nil, err
		}
	}
	agents, err := db.ListAgents(ctx, t)
	if err != nil {
		return nil, err
	}

	// ~200 customers with readings and Japanese numbers; the first one is the
	// caller the README's sipp example dials as (090-1234-5678).
	var customers []tsunagu.Customer
	for i := 0; i < 200; i++ {
		f, g := familyNames[rng.IntN(len(familyNames))], givenNames[rng.IntN(len(givenNames))]
		c := tsunagu.Customer{TenantID: t, Name: f.kanji + " " + g.kanji, Kana: f.kana + " " + g.kana}
		switch {
		case i == 0:
			c.Name, c.Kana = "山田 太郎", "やまだ たろう"
			c.Phones = []tsunagu.Phone{{Number: "090-1234-5678", Label: "携帯"}}
		case i%5 == 0:
			c.Phones = []tsunagu.Phone{{Number: fmt.Sprintf("0%d-%04d-%04d", 3+3*(i%2), rng.IntN(10000), rng.IntN(10000)), Label: "自宅"},
				{Number: fmt.Sprintf("080-%04d-%04d", rng.IntN(10000), rng.IntN(10000)), Label: "携帯"}}
		default:
			c.Phones = []tsunagu.Phone{{Number: fmt.Sprintf("0%d0-%04d-%04d", 7+rng.IntN(3), rng.IntN(10000), rng.IntN(10000)), Label: "携帯"}}
		}
		if i%9 == 0 {
			c.Email = fmt.Sprintf("customer%03d@example.jp", i)
		}
		if err := db.CreateCustomer(ctx, &c); err != nil {
			return nil, fmt.Errorf("customer %d: %w", i, err)
		}
		customers = append(customers, c)
	}

	// A history of wrapped contacts over the previous two weeks (never today,
	// so today's figures start clean), for screen pops and reports.
	notes := []string{"ログインできないとのこと。パスワード再設定の手順をご案内。", "請求額の内訳をご説明し、ご納得いただけた。",
		"プラン変更を希望。来月から適用で手続き済み。", "解約をご希望だったが、割引プランのご案内で継続に。",
		"接続できない件。ルーター再起動で解決。", "配送状況を確認し、明日お届け予定とお伝えした。", "住所変更を受け付けた。",
		"ご意見を頂戴した。開発チームへ共有する旨をお伝え。"}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return nil, err
	}
	now := time.Now().In(tokyo)
	for i := 0; i < 300; i++ {
		cust := customers[rng.IntN(len(customers))]
		if i < 3 {
			cust = customers[0] // the README's caller has a history to pop
		}
		a := agents[rng.IntN(len(agents))]
		q := queues[rng.IntN(len(queues))]
		r := reasons[rng.IntN(len(reasons))]
		d := dispositions[rng.IntN(len(dispositions))]
		day := now.AddDate(0, 0, -1-rng.IntN(14))
		arrived := time.Date(day.Year(), day.Month(), day.Day(), 9+rng.IntN(9), rng.IntN(60), rng.IntN(60), 0, tokyo)
		queued := arrived.Add(time.Duration(15+rng.IntN(30)) * time.Second)
		connected := queued.Add(time.Duration(rng.ExpFloat64()*25) * time.Second)
		ended := connected.Add(time.Duration(60+rng.ExpFloat64()*240) * time.Second)
		wrapped := ended.Add(time.Duration(10+rng.IntN(q.ACWSeconds)) * time.Second)
		c := &tsunagu.Contact{TenantID: t, Direction: tsunagu.Inbound, State: tsunagu.ContactWrapped, QueueID: q.ID, AgentID: a.ID,
			CustomerID: cust.ID, Number: cust.Phones[0].Number, ReasonID: r.ID, DispositionID: d.ID, Notes: notes[rng.IntN(len(notes))],
			ThankYou: rng.IntN(3) > 0, ArrivedAt: arrived, QueuedAt: &queued, ConnectedAt: &connected, EndedAt: &ended, WrappedAt: &wrapped}
		if err := db.CreateContact(ctx, c); err != nil {
			return nil, fmt.Errorf("contact %d: %w", i, err)
		}
	}
	// The knowledge base: the project's own ~100 articles, scoped to the demo
	// queues (the corpus was written with a separate New-Year-card line; here
	// technical support takes those calls).
	queueOf := map[string]tsunagu.QueueID{"support": "general", "general": "general", "tech": "tech", "nenga": "tech", "billing": "billing"}
	var articles []tsunagu.Article
	for _, d := range kb.Demo() {
		a := kb.ToArticle(d)
		a.QueueIDs = nil
		for _, q := range d.QueueIDs {
			if id, ok := queueOf[q]; ok && !slices.Contains(a.QueueIDs, id) {
				a.QueueIDs = append(a.QueueIDs, id)
			}
		}
		articles = append(articles, a)
	}
	if _, _, err := db.ImportArticles(ctx, t, articles); err != nil {
		return nil, fmt.Errorf("demo articles: %w", err)
	}
	log.Info("demo center created", "tenant", t, "users", len(logins), "customers", len(customers), "ms", time.Since(start).Milliseconds())
	return &demoInfo{created: true}, nil
}
