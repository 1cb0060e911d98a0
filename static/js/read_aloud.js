/* 朗读（read aloud）：a [data-read-aloud] button reads the text of its <article> with the
   browser's speech synthesis in a Chinese (zh-CN) voice. Its row stays hidden where the
   browser has no speech synthesis or no Chinese voice. Its two labels come from the template
   (data-label-start / data-label-stop). */
const buttons = Array.from(document.querySelectorAll("[data-read-aloud]"));
const synth = window.speechSynthesis;

function chineseVoice() {
  const voices = synth.getVoices();
  return (
    voices.find((v) => v.lang.replace("_", "-").toLowerCase() === "zh-cn") ||
    voices.find((v) => v.lang.toLowerCase().startsWith("zh")) ||
    null
  );
}

function textOf(button) {
  const article = button.closest("article") || document.querySelector("main");
  const copy = article.cloneNode(true);
  copy.querySelectorAll("[data-read-aloud], .read-aloud-row, form, script, [hidden]").forEach((n) => n.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

function show(button, speaking) {
  button.textContent = button.getAttribute(speaking ? "data-label-stop" : "data-label-start");
  button.setAttribute("aria-pressed", speaking ? "true" : "false");
}

function setUp() {
  if (!chineseVoice()) return false;
  for (const button of buttons) {
    (button.closest(".read-aloud-row") || button).hidden = false;
    button.addEventListener("click", () => {
      if (synth.speaking) {
        synth.cancel();
        buttons.forEach((b) => show(b, false));
        return;
      }
      const say = new SpeechSynthesisUtterance(textOf(button));
      say.lang = "zh-CN";
      try {
        say.voice = chineseVoice();
      } catch {
        // a voice the browser does not accept: its lang (zh-CN) still picks a Chinese one
      }
      say.rate = 0.9;
      say.onend = say.onerror = () => show(button, false);
      show(button, true);
      synth.speak(say);
    });
  }
  return true;
}

if (buttons.length && synth && typeof window.SpeechSynthesisUtterance === "function") {
  if (!setUp() && typeof synth.addEventListener === "function") {
    // Chromium loads its voices after the page: try again once they are known.
    const later = () => {
      if (setUp()) synth.removeEventListener("voiceschanged", later);
    };
    synth.addEventListener("voiceschanged", later);
  }
  window.addEventListener("pagehide", () => synth.cancel());
}
