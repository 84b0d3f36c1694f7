// A titled card: a <section> named by its heading, so screen readers list it as a region.
import type { ComponentChildren } from 'preact';

export function Section({ id, title, action, children }: { id: string; title: string; action?: ComponentChildren; children: ComponentChildren }) {
  const heading = <h2 id={id}>{title}</h2>;
  return (
    <section class="card" aria-labelledby={id}>
      {action ? <div class="row spread">{heading}{action}</div> : heading}
      {children}
    </section>
  );
}
