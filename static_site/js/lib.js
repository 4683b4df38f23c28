// The one place that imports the vendored UI library (Preact + htm, see vendor/README.md).
export {
  html,
  render,
  useState,
  useEffect,
  useLayoutEffect,
  useRef,
  useMemo,
  useCallback,
} from '../vendor/htm-preact@3.1.1/standalone.module.js';
