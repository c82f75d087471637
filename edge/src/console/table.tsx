/** The console's tables: focusable where they scroll (a phone), with column headers. */
import type { Child } from "hono/jsx";

/**
 * A table of rows of cells. `bodyId` names its body for a page's island to redraw (`live`: screen
 * readers hear the changes). `stacked`: on a phone each row is a card of `header: value` lines
 * instead of a wide table that scrolls sideways.
 */
export function Table(props: {
  labelledBy: string;
  headers: string[];
  rows: Child[][];
  bodyId?: string | undefined;
  live?: boolean | undefined;
  stacked?: boolean | undefined;
}) {
  return (
    // Focusable: a table wider than a phone scrolls, and the keyboard must reach it.
    <section class={props.stacked ? "table stack" : "table"} tabindex={0} aria-labelledby={props.labelledBy}>
      <table aria-labelledby={props.labelledBy}>
        <thead>
          <tr>
            {props.headers.map((header) => (
              <th scope="col">{header}</th>
            ))}
          </tr>
        </thead>
        <tbody id={props.bodyId} aria-live={props.live ? "polite" : undefined}>
          {props.rows.map((cells) => (
            <tr>
              {cells.map((cell, column) => (
                // Stacked: one box beside the header's name, however many parts the cell has.
                <td data-label={props.stacked ? props.headers[column] : undefined}>
                  {props.stacked ? <div>{cell}</div> : cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A titled section with a table, or a line saying why there is none yet. */
export function Listing(props: {
  id: string;
  title: string;
  empty: string;
  headers: string[];
  rows: Child[][];
  stacked?: boolean | undefined;
}) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <Table labelledBy={props.id} headers={props.headers} rows={props.rows} stacked={props.stacked} />
      )}
    </section>
  );
}
