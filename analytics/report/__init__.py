"""From stored rows to what is shown: metrics, views, comparisons, figures, tables, the
small-cell rule, the audit history in words, the view state of a link, and the meeting brief."""
