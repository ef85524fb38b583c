package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"tsunagu"
	"tsunagu/httpapi"
	"tsunagu/kb"
	"tsunagu/sqlite"
)

// dataFlag adds --data with the TSUNAGU_DATA default to a subcommand.
func dataFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("TSUNAGU_DATA")
	if def == "" {
		def = "./tsunagu-data"
	}
	return fs.String("data", def, "data directory (env TSUNAGU_DATA)")
}

// openExisting opens the store of an existing data directory; the admin
// commands never create an empty center by accident.
func openExisting(ctx context.Context, data string) (*sqlite.DB, error) {
	path := filepath.Join(data, "tsunagu.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s (run tsunagu serve or tsunagu migrate first): %w", path, err)
	}
	return sqlite.Open(ctx, path)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o750); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, filepath.Join(*data, "tsunagu.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d at %s\n", v, db.Path())
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	to := fs.String("to", "", "file to write the backup to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("%w: backup needs --to FILE", errUsage)
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("%s exists; choose a new file", *to)
	}
	db, err := openExisting(ctx, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	// A backup nobody can restore is worse than none: open and check it now.
	copyDB, err := sqlite.Open(ctx, *to)
	if err != nil {
		return fmt.Errorf("backup written but cannot be opened: %w", err)
	}
	err = copyDB.Check(ctx)
	copyDB.Close()
	if err != nil {
		return fmt.Errorf("backup written but damaged: %w", err)
	}
	st, err := os.Stat(*to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (%d bytes, integrity checked)\n", *to, st.Size())
	return nil
}

// runUser manages logins. Passwords come from the first line of stdin, never
// from arguments (which other users can see in the process list).
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: user add|list|passwd", errUsage)
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	tenant := fs.String("tenant", string(demoTenant), "tenant ID")
	switch args[0] {
	case "add":
		username := fs.String("username", "", "login name (a–z, 0–9, . _ -)")
		display := fs.String("name", "", "display name, e.g. 佐藤 花子")
		kana := fs.String("kana", "", "reading of the name, e.g. さとう はなこ")
		role := fs.String("role", "agent", "agent, supervisor or admin")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		u := &tsunagu.User{TenantID: tsunagu.TenantID(*tenant), Username: *username, DisplayName: *display, Kana: *kana, Role: tsunagu.Role(*role)}
		if err := u.Validate(); err != nil {
			return fmt.Errorf("%w: %s", errUsage, tsunagu.ErrorMessage(err))
		}
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		db, err := openExisting(ctx, *data)
		if err != nil {
			return err
		}
		defer db.Close()
		hash, err := httpapi.HashPassword(pw)
		if err != nil {
			return err
		}
		if err := db.CreateUser(ctx, u, hash); err != nil {
			return errors.New(tsunagu.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "created %s (%s) in %s\n", u.Username, u.Role, u.TenantID)
		return nil
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		db, err := openExisting(ctx, *data)
		if err != nil {
			return err
		}
		defer db.Close()
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tNAME\tKANA\tAGENT")
		cursor := ""
		for {
			us, next, err := db.ListUsers(ctx, tsunagu.TenantID(*tenant), tsunagu.Page{Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, u.DisplayName, u.Kana, u.AgentID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		return tw.Flush()
	case "passwd":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: user passwd USERNAME (new password on stdin)", errUsage)
		}
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		db, err := openExisting(ctx, *data)
		if err != nil {
			return err
		}
		defer db.Close()
		l, err := db.FindLogin(ctx, fs.Arg(0))
		if err != nil {
			return errors.New(tsunagu.ErrorMessage(err))
		}
		hash, err := httpapi.HashPassword(pw)
		if err != nil {
			return err
		}
		if err := db.SetPassword(ctx, l.User.TenantID, l.User.ID, hash); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password changed for %s; their sessions were ended\n", l.User.Username)
		return nil
	}
	return fmt.Errorf("%w: unknown user command %q (add, list, passwd)", errUsage, args[0])
}

func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := tsunagu.ValidatePassword(pw); err != nil {
		return "", fmt.Errorf("%w: %s (give it on stdin: echo 'secret-pw' | tsunagu user ...)", errUsage, tsunagu.ErrorMessage(err))
	}
	return pw, nil
}

// runKB runs knowledge-base maintenance: "kb reindex" rebuilds every
// tenant's search index from the store (safe while serving: a rebuild swaps
// in the new index atomically, and the server's indexer applies later events).
func runKB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "import" {
		return runKBImport(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "reindex" {
		return fmt.Errorf("%w: kb reindex [--data DIR] | kb import [--data DIR] [--tenant ID] DIR|FILE.csv", errUsage)
	}
	fs := flag.NewFlagSet("kb reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openExisting(ctx, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	tenants, err := db.ListTenants(ctx)
	if err != nil {
		return err
	}
	indexer := newIndexer(db, nil, *data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, t := range tenants {
		n, err := indexer.Rebuild(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		fmt.Fprintf(stdout, "%s: %d articles indexed\n", t.ID, n)
	}
	return indexer.Close()
}

// runKBImport imports a folder of Markdown files with front matter, or a CSV
// file, into a tenant's knowledge base: every bad file or row is reported
// with its line, and then nothing is imported. Articles whose ID exists get a
// new version. A running server picks the change up from the event log.
func runKBImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	tenant := fs.String("tenant", string(demoTenant), "tenant ID")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: kb import [--data DIR] [--tenant ID] DIR|FILE.csv", errUsage)
	}
	src := fs.Arg(0)
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	var parsed []kb.Article
	if st.IsDir() {
		parsed, err = kb.ImportMarkdown(os.DirFS(src), ".")
	} else {
		f, ferr := os.Open(src)
		if ferr != nil {
			return ferr
		}
		parsed, err = kb.ImportCSV(f)
		f.Close()
	}
	var ie *kb.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Fprintln(stderr, p.String())
		}
		return fmt.Errorf("%d problems; nothing imported", len(ie.Problems))
	} else if err != nil {
		return err
	}
	db, err := openExisting(ctx, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.FindTenant(ctx, tsunagu.TenantID(*tenant)); err != nil {
		return fmt.Errorf("tenant %s: %s", *tenant, tsunagu.ErrorMessage(err))
	}
	as := make([]tsunagu.Article, len(parsed))
	for i, a := range parsed {
		as[i] = kb.ToArticle(a)
	}
	created, updated, err := db.ImportArticles(ctx, tsunagu.TenantID(*tenant), as)
	if err != nil {
		return errors.New(tsunagu.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "%s: %d articles created, %d updated\n", *tenant, created, updated)
	return nil
}
