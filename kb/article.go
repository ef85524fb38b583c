package kb

import "tsunagu"

// ToArticle converts an imported or demo article to the store's type, for
// seeding the store (the inverse of FromArticle); the store assigns the
// tenant, version and creation time.
func ToArticle(a Article) tsunagu.Article {
	qs := make([]tsunagu.QueueID, len(a.QueueIDs))
	for i, q := range a.QueueIDs {
		qs[i] = tsunagu.QueueID(q)
	}
	return tsunagu.Article{
		ID:          tsunagu.ArticleID(a.ID),
		Title:       a.Title,
		Body:        a.Body,
		Category:    a.Category,
		Tags:        append([]string(nil), a.Tags...),
		QueueIDs:    qs,
		Status:      string(a.Status),
		SolvedCount: a.SolvedCount,
		UpdatedAt:   a.UpdatedAt,
	}
}
