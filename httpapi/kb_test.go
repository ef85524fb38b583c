package httpapi_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
	"tsunagu/kb"
	"tsunagu/sqlite"
)

// TestKB_EditSearchSolve walks the knowledge base as its users do: a leader
// writes an article, an operator finds it by what they type while the caller
// waits, marks it solved; drafts stay with the editors.
func TestKB_EditSearchSolve(t *testing.T) {
	var indexer *kb.Indexer
	dir := t.TempDir()
	e := newEnv(t, func(c *httpapi.Config) {
		indexer = &kb.Indexer{Store: c.Store.(*sqlite.DB), Bus: c.Bus,
			Open: func(ctx context.Context, tenant tsunagu.TenantID) (kb.TenantIndex, error) {
				return sqlite.OpenKBIndex(ctx, filepath.Join(dir, string(tenant)+".db"))
			}}
		c.KB = indexer
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runDone := make(chan error, 1)
	go func() { runDone <- indexer.Run(ctx) }()
	defer func() {
		cancel()
		<-runDone
	}()
	waitIndexed := func(tenant tsunagu.TenantID) {
		t.Helper()
		seq, _ := e.db.LastSeq(ctx)
		if err := indexer.WaitFor(ctx, tenant, seq); err != nil {
			t.Fatalf("index did not catch up to %d: %v", seq, err)
		}
	}

	sv := e.login("a-supervisor")
	res := sv.do("POST", "/api/v1/kb/articles", `{"title":"パスワードを忘れた場合","body":"ログイン画面の「パスワードをお忘れの方」から再設定できます。","category":"ログイン","tags":["パスワード"]}`)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, res.body)
	}
	var art tsunagu.Article
	res.json(&art)
	draft := sv.do("POST", "/api/v1/kb/articles", `{"title":"パスワード再設定メールが届かない(下書き)","body":"迷惑メールフォルダを確認。","status":"draft"}`)
	var draftArt tsunagu.Article
	draft.json(&draftArt)
	waitIndexed("a")

	op := e.login("a-agent")
	var found httpapi.SearchResults
	op.do("GET", "/api/v1/kb/search?q="+urlEscape("パスワード忘れた"), nil).json(&found)
	if len(found.Results) != 1 || found.Results[0].ID != string(art.ID) || !strings.Contains(found.Results[0].Snippet, "<mark>") {
		t.Fatalf("agent search = %+v", found.Results)
	}
	sv.do("GET", "/api/v1/kb/search?include_unpublished=1&q="+urlEscape("パスワード"), nil).json(&found)
	if len(found.Results) != 2 {
		t.Fatalf("editor search with drafts = %+v", found.Results)
	}
	if res := op.do("GET", "/api/v1/kb/search?include_unpublished=1&q=x", nil); res.StatusCode != 403 {
		t.Fatalf("agent asking for drafts: %d", res.StatusCode)
	}
	if res := op.do("GET", "/api/v1/kb/articles/"+string(draftArt.ID), nil); res.StatusCode != 404 {
		t.Fatalf("agent reading a draft: %d", res.StatusCode)
	}
	// Tenant b's operators find nothing of tenant a's.
	e.login("b-agent").do("GET", "/api/v1/kb/search?q="+urlEscape("パスワード"), nil).json(&found)
	if len(found.Results) != 0 {
		t.Fatalf("tenant b found %+v", found.Results)
	}

	// A new version is searchable by its new words; a stale edit is refused.
	res = sv.do("PUT", "/api/v1/kb/articles/"+string(art.ID), fmt.Sprintf(`{"title":"パスワードを忘れた場合","body":"本人確認のうえ、仮パスワードを SMS で送ります。","version":%d}`, art.Version))
	if res.StatusCode != 200 {
		t.Fatalf("update: %d %s", res.StatusCode, res.body)
	}
	res = sv.do("PUT", "/api/v1/kb/articles/"+string(art.ID), `{"title":"古い","body":"古い","version":1}`)
	if res.StatusCode != 409 || res.problem().Field != "version" {
		t.Fatalf("stale update: %d %s", res.StatusCode, res.body)
	}
	waitIndexed("a")
	op.do("GET", "/api/v1/kb/search?q="+urlEscape("仮パスワード"), nil).json(&found)
	if len(found.Results) != 1 || found.Results[0].ID != string(art.ID) {
		t.Fatalf("search for the new version's words = %+v", found.Results)
	}
	res = op.do("POST", "/api/v1/kb/articles/"+string(art.ID)+"/solved", `{}`)
	var solved tsunagu.Article
	res.json(&solved)
	if solved.SolvedCount != 1 {
		t.Fatalf("solved = %+v", solved)
	}
	if res := op.do("POST", "/api/v1/kb/articles/"+string(art.ID)+"/solved", `{"contact_id":"con_nope"}`); res.StatusCode != 400 || res.problem().Field != "contact_id" {
		t.Fatalf("solved with unknown contact: %d %s", res.StatusCode, res.body)
	}
	var versions httpapi.List[tsunagu.Article]
	sv.do("GET", "/api/v1/kb/articles/"+string(art.ID)+"/versions", nil).json(&versions)
	if len(versions.Items) != 2 || versions.Items[1].Body != "ログイン画面の「パスワードをお忘れの方」から再設定できます。" {
		t.Fatalf("versions = %+v", versions.Items)
	}

	t.Run("Rollback", func(t *testing.T) {
		res := sv.do("POST", "/api/v1/kb/articles/"+string(art.ID)+"/rollback", `{"to_version":1,"version":2}`)
		var back tsunagu.Article
		res.json(&back)
		if res.StatusCode != 200 || back.Version != 3 || back.Body != versions.Items[1].Body {
			t.Fatalf("rollback: %d %+v", res.StatusCode, back)
		}
		if res := sv.do("POST", "/api/v1/kb/articles/"+string(art.ID)+"/rollback", `{"to_version":1,"version":2}`); res.StatusCode != 409 {
			t.Fatalf("rollback from a stale version: %d", res.StatusCode)
		}
		if res := sv.do("POST", "/api/v1/kb/articles/"+string(art.ID)+"/rollback", `{"to_version":9,"version":3}`); res.StatusCode != 400 || res.problem().Field != "to_version" {
			t.Fatalf("rollback to a missing version: %d %s", res.StatusCode, res.body)
		}
	})
	t.Run("Feedback", func(t *testing.T) {
		res := op.do("POST", "/api/v1/kb/feedback", `{"kind":"missing","query":"年賀状 縦書き 宛名","note":"該当記事なし"}`)
		if res.StatusCode != 201 {
			t.Fatalf("feedback: %d %s", res.StatusCode, res.body)
		}
		if res := op.do("POST", "/api/v1/kb/feedback", `{"kind":"wrong","note":"x"}`); res.StatusCode != 400 || res.problem().Field != "article_id" {
			t.Fatalf("wrong without article: %d %s", res.StatusCode, res.body)
		}
		var inbox httpapi.List[tsunagu.ArticleFeedback]
		sv.do("GET", "/api/v1/kb/feedback", nil).json(&inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].Query != "年賀状 縦書き 宛名" || inbox.Items[0].UserID != e.users["a-agent"].ID {
			t.Fatalf("editors' inbox = %+v", inbox.Items)
		}
		if res := sv.do("POST", "/api/v1/kb/feedback/"+string(inbox.Items[0].ID)+"/resolve", nil); res.StatusCode != 200 {
			t.Fatalf("resolve: %d", res.StatusCode)
		}
		sv.do("GET", "/api/v1/kb/feedback", nil).json(&inbox)
		if len(inbox.Items) != 0 {
			t.Fatalf("open after resolve = %+v", inbox.Items)
		}
	})
	t.Run("Synonyms", func(t *testing.T) {
		// 合言葉 is no word of the article; after the admin says it means
		// パスワード, the article is found by it, without a reindex.
		op.do("GET", "/api/v1/kb/search?q="+urlEscape("合言葉"), nil).json(&found)
		if len(found.Results) != 0 {
			t.Fatalf("before: %+v", found.Results)
		}
		admin := e.login("a-admin")
		res := admin.do("PUT", "/api/v1/kb/synonyms", `{"source":"# 社内用語\n合言葉 = パスワード\nx\n"}`)
		if res.StatusCode != 400 || res.problem().Field != "source" || !strings.Contains(res.problem().Detail, "line 3") {
			t.Fatalf("bad synonyms: %d %s", res.StatusCode, res.body)
		}
		if res := admin.do("PUT", "/api/v1/kb/synonyms", `{"source":"# 社内用語\n合言葉 = パスワード\n"}`); res.StatusCode != 200 {
			t.Fatalf("synonyms: %d %s", res.StatusCode, res.body)
		}
		waitIndexed("a")
		op.do("GET", "/api/v1/kb/search?q="+urlEscape("合言葉"), nil).json(&found)
		if len(found.Results) != 1 || found.Results[0].ID != string(art.ID) {
			t.Fatalf("after: %+v", found.Results)
		}
		if res := sv.do("PUT", "/api/v1/kb/synonyms", `{"source":""}`); res.StatusCode != 403 {
			t.Fatalf("supervisor editing synonyms: %d", res.StatusCode)
		}
	})
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// TestKB_Suggest: when a call reaches the operator, the knowledge panel
// offers articles before anything is typed — what solved calls of the same
// queue or reason lately, matches for the contact reason and the phone-menu
// choice, and articles scoped to the queue — each saying why, and only to
// the operator the call is offered or connected to (leaders: any call).
func TestKB_Suggest(t *testing.T) {
	var indexer *kb.Indexer
	dir := t.TempDir()
	e := newEnv(t, func(c *httpapi.Config) {
		indexer = &kb.Indexer{Store: c.Store.(*sqlite.DB), Bus: c.Bus,
			Open: func(ctx context.Context, tenant tsunagu.TenantID) (kb.TenantIndex, error) {
				return sqlite.OpenKBIndex(ctx, filepath.Join(dir, string(tenant)+".db"))
			}}
		c.KB = indexer
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runDone := make(chan error, 1)
	go func() { runDone <- indexer.Run(ctx) }()
	defer func() {
		cancel()
		<-runDone
	}()

	trunk := &tsunagu.Trunk{TenantID: "a", Name: "代表", AllowedNets: []string{"127.0.0.1/32"}, Numbers: []tsunagu.DID{{Number: "0312345678",
		Menu: []tsunagu.MenuOption{{Digit: "1", Label: "技術サポート", QueueID: "tech"}, {Digit: "3", Label: "料金・解約", QueueID: "billing"}}, DefaultQueue: "tech"}}}
	if err := e.db.CreateTrunk(ctx, trunk); err != nil {
		t.Fatal(err)
	}
	reason := &tsunagu.ContactReason{TenantID: "a", Name: "住所変更", NameEn: "Change of address"}
	if err := e.db.CreateReason(ctx, reason); err != nil {
		t.Fatal(err)
	}
	sv := e.login("a-supervisor")
	ids := map[string]string{}
	for key, body := range map[string]string{
		"menu":   `{"title":"解約の手続き","body":"マイページの「ご契約内容」から解約できます。"}`,
		"queue":  `{"title":"請求書の再発行","body":"紙の請求書は郵送で再発行します。","queue_ids":["billing"]}`,
		"reason": `{"title":"住所変更の手順","body":"ご登録住所はマイページで変更できます。"}`,
		"solved": `{"title":"口座振替の登録","body":"口座振替依頼書を郵送します。"}`,
		"tech":   `{"title":"Wi-Fiがつながらない","body":"ルーターを再起動してください。","queue_ids":["tech"]}`,
	} {
		res := sv.do("POST", "/api/v1/kb/articles", body)
		if res.StatusCode != 201 {
			t.Fatalf("create %s: %d %s", key, res.StatusCode, res.body)
		}
		var a tsunagu.Article
		res.json(&a)
		ids[key] = string(a.ID)
	}

	agent := e.users["a-agent"].AgentID
	// call stores an inbound call that chose digit 3 (料金・解約) in the
	// menu and waits in the billing queue.
	call := func() *tsunagu.Contact {
		t.Helper()
		c := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: time.Now()}
		if err := e.db.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		c, err := e.db.UpdateContact(ctx, "a", c.ID, tsunagu.EventContactIVRDone, map[string]any{"choice": "3", "queue_id": "billing"},
			func(c *tsunagu.Contact) error { c.State, c.QueueID = tsunagu.ContactQueued, "billing"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	connect := func(c *tsunagu.Contact, reasonID tsunagu.ReasonID) {
		t.Helper()
		if _, err := e.db.UpdateContact(ctx, "a", c.ID, tsunagu.EventContactConnected, nil, func(c *tsunagu.Contact) error {
			now := time.Now()
			c.State, c.AgentID, c.ConnectedAt, c.ReasonID = tsunagu.ContactConnected, agent, &now, reasonID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	op := e.login("a-agent")
	// An earlier billing call was solved with the 口座振替 article.
	earlier := call()
	connect(earlier, "")
	if res := op.do("POST", "/api/v1/kb/articles/"+ids["solved"]+"/solved", map[string]string{"contact_id": string(earlier.ID)}); res.StatusCode != 200 {
		t.Fatalf("solved: %d %s", res.StatusCode, res.body)
	}
	seq, _ := e.db.LastSeq(ctx)
	if err := indexer.WaitFor(ctx, "a", seq); err != nil {
		t.Fatal(err)
	}

	live := call()
	var got httpapi.SuggestResults
	if res := op.do("GET", "/api/v1/kb/suggest?contact_id="+string(live.ID), nil); res.StatusCode != 403 || res.problem().Field != "contact_id" {
		t.Fatalf("agent asking about a call not offered to them: %d %s", res.StatusCode, res.body)
	}
	connect(live, reason.ID)
	res := op.do("GET", "/api/v1/kb/suggest?contact_id="+string(live.ID), nil)
	if res.StatusCode != 200 {
		t.Fatalf("suggest: %d %s", res.StatusCode, res.body)
	}
	res.json(&got)
	var seen []string
	for _, r := range got.Results {
		seen = append(seen, r.Why+":"+r.ID)
		if r.Title == "" || r.Snippet == "" {
			t.Errorf("suggestion without title or snippet: %+v", r)
		}
	}
	want := []string{"solved-often:" + ids["solved"], "reason:" + ids["reason"], "menu:" + ids["menu"], "queue:" + ids["queue"]}
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Fatalf("suggestions = %v, want %v", seen, want)
	}
	sv.do("GET", "/api/v1/kb/suggest?limit=2&contact_id="+string(live.ID), nil).json(&got)
	if len(got.Results) != 2 || got.Results[0].ID != ids["solved"] {
		t.Fatalf("leader, limit 2: %+v", got.Results)
	}

	for _, c := range []struct {
		who, query string
		status     int
		field      string
	}{
		{"a-agent", "", 400, "contact_id"},
		{"a-agent", "contact_id=" + string(live.ID) + "&limit=0", 400, "limit"},
		{"a-agent", "contact_id=con_nope", 404, "contact_id"},
		{"b-supervisor", "contact_id=" + string(live.ID), 404, "contact_id"}, // tenant b sees nothing of a's
	} {
		res := e.login(c.who).do("GET", "/api/v1/kb/suggest?"+c.query, nil)
		if res.StatusCode != c.status || res.problem().Field != c.field {
			t.Errorf("%s ?%s: %d %s, want %d on %s", c.who, c.query, res.StatusCode, res.body, c.status, c.field)
		}
	}
}
