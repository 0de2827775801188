// The print views' Print button, and the result's checklist ticks as intake left them.
import { keepTicks } from "./console.js";

for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
const result = document.querySelector(".result[data-verification]");
if (result) keepTicks(result, result.dataset.verification);
