/**
 * @module main: the browser entry point that build.mjs bundles.
 */
import { render } from "preact";
import { App } from "./components/App.tsx";
import "./styles.css";

const root = document.getElementById("app");
if (root) render(<App />, root);
