/** The console's form fields: a label, the input, and a hint under it that screen readers hear too. */

export function TextField(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  type?: "text" | "number" | undefined;
  required?: boolean | undefined;
  hint?: string | undefined;
  maxlength?: number | undefined;
  /** For numbers: `any` takes fractions. */
  step?: string | undefined;
}) {
  const hintId = `${props.id}-hint`;
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? "text"}
        required={props.required}
        maxlength={props.maxlength}
        step={props.step}
        min={props.type === "number" ? "1" : undefined}
        autocomplete="off"
        value={props.value}
        aria-describedby={props.hint ? hintId : undefined}
      />
      {props.hint ? (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}
