/* queries/authors.sql: the model's own query data (params and columns), as a user template
 * sees it. */
/* GetAuthor (:one), line 1
 *   param 1 id: int8
 *   column id: int8 from authors
 *   column name: text from authors
 *   column bio: text (nullable) from authors
 */
/* ListAuthors (:many), line 4
 *   column id: int8 from authors
 *   column name: text from authors
 */
