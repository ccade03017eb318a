/* queries/books.sql: the model's own query data (params and columns), as a user template
 * sees it. */
/* BooksByAuthor (:many), line 1
 *   param 1 author_id: int8
 *   column title: text from books
 *   column published: date (nullable) from books
 *   column author: text from authors
 */
/* CountBooks (:one), line 6
 *   column n: int8
 */
